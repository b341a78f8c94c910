package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.ipfsbackup.archive.TarGzArchiver;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.manifest.BackupChains;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.testing.FakeCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole restore of a full backup served by an IPFS node: a download whose sha256 differs from the manifest's, or
 * a file whose bytes were changed (its GCM tag fails), fails with a clear error and writes nothing: nothing is left in
 * the work directory and nothing reached the target database.
 */
class PointInTimeRestoreTest {
    private static final String CID = "QmPointInTimeRestoreTestFull";

    @TempDir
    Path tmp;

    private final DumpFixture fixture = new DumpFixture();
    private MongoTestServer sourceServer;
    private MongoTestServer targetServer;
    private FakeCluster node;
    private BackupCipher cipher;
    private byte[] encrypted;
    private String sha256;
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        sourceServer = new MongoTestServer();
        targetServer = new MongoTestServer();
        fixture.loadInto(sourceServer.client());
        Path dump = fixture.writeDump(tmp.resolve("dump"));
        Path plain = tmp.resolve("full.tar.gz");
        new TarGzArchiver(6).archive(dump, plain);
        cipher = new BackupCipher(EncryptionKey.fromSecret("a-point-in-time-restore-key-0123456789", "k1"), 10_000);
        Path enc = tmp.resolve("full_backup_2026-03-01_020000.tar.gz.enc");
        sha256 = cipher.encrypt(plain, enc).sha256();
        encrypted = Files.readAllBytes(enc);
        node = new FakeCluster();
        work = tmp.resolve("work");
    }

    @AfterEach
    void tearDown() {
        node.close();
        sourceServer.close();
        targetServer.close();
    }

    private ManifestEntry entry(String sha) {
        return ManifestEntry.full(CID, Instant.parse("2026-03-01T02:00:00Z"))
                .file("full_backup_2026-03-01_020000.tar.gz.enc", encrypted.length, sha).databases(List.of("shop", "crm"))
                .source("7.0", "rs0").durationMs(5).peers(List.of("p1", "p2")).engine("driver").compression("gzip")
                .content(3, 10L, 1000L).oplog("1:1", "2:2", 0L).build();
    }

    private PointInTimeRestore.Result restore(ManifestEntry e) throws IOException {
        return restore(e, new BackupFetcher(new KuboClient(java.time.Duration.ofSeconds(30)), List.of(java.net.URI.create(node.url()))),
                new ArrayList<>());
    }

    private PointInTimeRestore.Result restore(ManifestEntry e, BackupFetcher fetcher, List<String> said) throws IOException {
        return new PointInTimeRestore(fetcher, cipher, work, Set.of("ipfs_backup"), said::add)
                .restore(BackupChains.planRestore(List.of(e), null), targetServer.client(), RestoreOptions.defaults());
    }

    private List<String> leftInWork() throws IOException {
        if (!Files.exists(work)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(work)) {
            List<String> out = new ArrayList<>();
            s.filter(p -> !p.equals(work)).forEach(p -> out.add(work.relativize(p).toString()));
            return out;
        }
    }

    private List<String> targetDatabases() {
        return targetServer.client().listDatabaseNames().into(new ArrayList<>()).stream()
                .filter(db -> !Set.of("admin", "local", "config").contains(db)).toList();
    }

    @Test
    void aGoodBackupRestoresTheData() throws Exception {
        node.content.put(CID, encrypted);
        PointInTimeRestore.Result r = restore(entry(sha256));
        assertThat(r.documents()).isPositive();
        assertThat(DatabaseComparator.compare(sourceServer.client(), targetServer.client(), List.of("shop", "crm")).identical()).isTrue();
        assertThat(leftInWork()).isEmpty();
    }

    @Test
    void aSha256OtherThanTheManifestsFailsNamingBothAndWritesNothing() throws Exception {
        node.content.put(CID, encrypted);
        String wrong = (sha256.charAt(0) == '0' ? "1" : "0") + sha256.substring(1);
        assertThatThrownBy(() -> restore(entry(wrong)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is " + sha256 + " but the manifest says " + wrong);
        assertThat(leftInWork()).as("nothing left in the work directory").isEmpty();
        assertThat(targetDatabases()).as("nothing written to the target").isEmpty();
    }

    @Test
    void aFlippedByteFailsAndWritesNothing() throws Exception {
        byte[] flipped = encrypted.clone();
        flipped[flipped.length / 2] ^= 0x01;
        node.content.put(CID, flipped);
        // the manifest's sha256 (of the original bytes) no longer matches: refused while downloading
        assertThatThrownBy(() -> restore(entry(sha256)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("but the manifest says " + sha256);
        assertThat(leftInWork()).isEmpty();
        assertThat(targetDatabases()).isEmpty();

        // a manifest that agrees with the changed bytes (the sha256 recorded after the change): the GCM tag refuses them
        String shaOfFlipped = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(flipped));
        assertThatThrownBy(() -> restore(entry(shaOfFlipped))).isInstanceOf(IOException.class);
        assertThat(leftInWork()).isEmpty();
        assertThat(targetDatabases()).isEmpty();
    }

    @Test
    void aNodeThatBreaksOffWhileSendingGivesWayToTheNextAndNothingOfItsBytesIsKept() throws Exception {
        node.content.put(CID, encrypted);
        node.breakOff.add(CID);
        try (FakeCluster second = new FakeCluster()) {
            second.content.put(CID, encrypted);
            List<String> said = new ArrayList<>();
            BackupFetcher fetcher = new BackupFetcher(new KuboClient(java.time.Duration.ofSeconds(30)),
                    List.of(java.net.URI.create(node.url()), java.net.URI.create(second.url())));
            PointInTimeRestore.Result r = restore(entry(sha256), fetcher, said);
            assertThat(r.documents()).isPositive();
            assertThat(node.requests).anyMatch(q -> q.contains("/api/v0/cat"));
            assertThat(said).anyMatch(s -> s.startsWith("downloaded full") && s.contains(" from " + second.url()));
        }
        assertThat(DatabaseComparator.compare(sourceServer.client(), targetServer.client(), List.of("shop", "crm")).identical()).isTrue();
        assertThat(leftInWork()).isEmpty();
    }

    @Test
    void aNodeThatBreaksOffWithNoOtherNodeFailsNamingItAndWritesNothing() throws Exception {
        node.content.put(CID, encrypted);
        node.breakOff.add(CID);
        assertThatThrownBy(() -> restore(entry(sha256)))
                .isInstanceOf(org.ipfsbackup.ipfs.IpfsException.class)
                .hasMessageContaining("no IPFS node could give " + CID).hasMessageContaining(node.url());
        assertThat(leftInWork()).isEmpty();
        assertThat(targetDatabases()).isEmpty();
    }

    @Test
    void theLocalCacheServesTheRestoreWithoutADownload() throws Exception {
        org.ipfsbackup.cache.BackupCache cache = cacheHolding(encrypted);
        List<String> said = new ArrayList<>();
        BackupFetcher fetcher = new BackupFetcher(new KuboClient(java.time.Duration.ofSeconds(30)), List.of(java.net.URI.create(node.url())))
                .readingCache(cache);
        PointInTimeRestore.Result r = restore(entry(sha256), fetcher, said); // the node does not have it
        assertThat(r.documents()).isPositive();
        assertThat(said).anyMatch(s -> s.startsWith("downloaded full") && s.contains(" from file:"));
        assertThat(node.requests).noneMatch(q -> q.contains("/api/v0/cat"));
        assertThat(cache.find(CID)).isPresent();
        assertThat(DatabaseComparator.compare(sourceServer.client(), targetServer.client(), List.of("shop", "crm")).identical()).isTrue();
        assertThat(leftInWork()).isEmpty();
    }

    @Test
    void aCorruptCachedFileIsRemovedAndTheBackupDownloaded() throws Exception {
        byte[] flipped = encrypted.clone();
        flipped[flipped.length / 3] ^= 0x01;
        org.ipfsbackup.cache.BackupCache cache = cacheHolding(flipped);
        node.content.put(CID, encrypted);
        List<String> said = new ArrayList<>();
        BackupFetcher fetcher = new BackupFetcher(new KuboClient(java.time.Duration.ofSeconds(30)), List.of(java.net.URI.create(node.url())))
                .readingCache(cache);
        PointInTimeRestore.Result r = restore(entry(sha256), fetcher, said);
        assertThat(r.documents()).isPositive();
        assertThat(said).anyMatch(s -> s.startsWith("downloaded full") && s.contains(" from " + node.url()));
        assertThat(cache.find(CID)).as("the corrupt cached file is removed").isEmpty();
        assertThat(DatabaseComparator.compare(sourceServer.client(), targetServer.client(), List.of("shop", "crm")).identical()).isTrue();
        assertThat(leftInWork()).isEmpty();
    }

    private org.ipfsbackup.cache.BackupCache cacheHolding(byte[] bytes) throws IOException {
        org.ipfsbackup.cache.BackupCache cache = new org.ipfsbackup.cache.BackupCache(tmp.resolve("cache"), 1L << 30, java.time.Clock.systemUTC());
        Path file = tmp.resolve("to-cache.enc");
        Files.write(file, bytes);
        assertThat(cache.put(CID, file).kept()).isTrue();
        return cache;
    }
}
