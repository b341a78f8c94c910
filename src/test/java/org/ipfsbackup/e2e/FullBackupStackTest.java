package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestFile;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.restore.CompareResult;
import org.ipfsbackup.restore.DatabaseComparator;
import org.ipfsbackup.restore.DriverRestore;
import org.ipfsbackup.restore.RestoreOptions;
import org.ipfsbackup.restore.RestoreResult;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full backup on the real local stack (FerretDB, two Kubo nodes, two ipfs-cluster peers), then what the demo
 * does: the blob fetched from the second IPFS node, its sha256 checked, decrypted, extracted, restored into the
 * empty restore server and compared document by document and index by index with the source.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class FullBackupStackTest {

    @TempDir
    Path tmp;

    @Test
    void fullBackupIsPinnedOnBothNodesAndRestoresExactly(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        Map<String, String> overrides = TestSettings.stack(env, tmp.resolve("work"));

        ManifestEntry entry;
        String manifestCid;
        try (BackupApplication app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(),
                overrides, TestSettings.stackSecrets(env), false))) {
            BackupApplication.Outcome o = app.runBackup("full");
            assertThat(o.failure()).isNull();
            entry = o.entry();
            manifestCid = o.manifestCid();
        }
        assertThat(entry.peers()).hasSize(2);
        assertThat(entry.databases()).contains("shop", "inventory", "analytics").doesNotContain("admin", "local", "config", "ipfs_backup");
        assertThat(entry.replicaSet()).isEqualTo(LocalStack.REPLICA_SET);
        assertThat(entry.oplogEnd()).as("a full backup records the oplog position it is consistent with").isNotNull();
        try (Stream<Path> s = Files.list(tmp.resolve("work"))) {
            assertThat(s.toList()).as("temp files removed").isEmpty();
        }

        // pinned on both IPFS nodes, as the nodes themselves say
        URI kubo1 = URI.create(env.get("IPFS_NODE_1"));
        URI kubo2 = URI.create(env.get("IPFS_NODE_2"));
        KuboClient kubo = new KuboClient(Duration.ofSeconds(60));
        assertThat(kubo.isPinned(kubo1, entry.cid())).isTrue();
        assertThat(kubo.isPinned(kubo2, entry.cid())).isTrue();

        // retrievable from each node alone, and it is ciphertext with the recorded hash
        byte[] fromNode2 = catAlone(stack, kubo, "kubo1", kubo2, entry.cid());
        byte[] fromNode1 = catAlone(stack, kubo, "kubo2", kubo1, entry.cid());
        assertThat(fromNode1).isEqualTo(fromNode2);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(fromNode2))).isEqualTo(entry.sha256());
        assertThat(fromNode2.length).isEqualTo(entry.size());
        assertCiphertext(fromNode2);

        // decrypt, extract, restore into the empty server, compare every document and index
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), BackupCipher.DEFAULT_KDF_ITERATIONS);
        Path dump = tmp.resolve("dump");
        try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(fromNode2))) {
            new TarGzExtractor(ExtractLimits.defaults()).extract(in, dump);
        }
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            RestoreResult r = new DriverRestore(target).restoreDump(dump, new RestoreOptions(true, java.util.List.of(), ""));
            assertThat(r.documents()).isEqualTo(entry.documents());
            CompareResult c = DatabaseComparator.compare(source, target, entry.databases());
            assertThat(c.differences()).isEmpty();
            assertThat(c.identical()).isTrue();
            assertThat(c.documents()).isEqualTo(entry.documents()).isGreaterThan(4000);

            // the watchdog can measure FerretDB's oplog window; a 512 MiB oplog this young is far from wrapping
            var window = org.ipfsbackup.watchdog.Watchdog.oplogWindow(source, Duration.ofDays(1));
            assertThat(window.detail()).contains("the oplog reaches back");
            assertThat(window.firing()).isFalse();

            // the manifest in MongoDB points at an encrypted manifest in IPFS that lists this backup
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            assertThat(repo.find(entry.cid())).contains(entry);
            assertThat(repo.headManifestCid()).contains(manifestCid);
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            kubo.cat(kubo2, manifestCid, m);
            assertCiphertext(m.toByteArray());
            try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(m.toByteArray()))) {
                assertThat(ManifestFile.read(in).backups()).contains(entry);
            }
        }
    }

    /** Stops one Kubo node, reads the CID from the other, starts the stopped node again. */
    private static byte[] catAlone(LocalStack stack, KuboClient kubo, String stop, URI from, String cid) {
        stack.stopProcess(stop);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            kubo.cat(from, cid, out);
            return out.toByteArray();
        } finally {
            stack.startProcess(stop);
            stack.awaitClusterPeers(Duration.ofSeconds(60));
        }
    }

    static void assertCiphertext(byte[] b) {
        assertThat(b.length).isGreaterThan(200);
        assertThat(b[0] == (byte) 0x1f && b[1] == (byte) 0x8b).as("not gzip").isFalse();
        assertThat(new String(b, 0, 7, StandardCharsets.US_ASCII)).isEqualTo("IPFSBKP");
        String latin = new String(b, StandardCharsets.ISO_8859_1);
        assertThat(latin).as("no tar header, no BSON field names, no JSON").doesNotContain("ustar", "customers", "email", "\"backups\"");
    }
}
