package org.ipfsbackup.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.drill.CollectionDigest;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.Test;

/**
 * The scale the issue names, measured (bytes, not time): 90 days of oplog slices every 10 minutes plus a daily full,
 * 13,000 entries, in an in-JVM MongoDB. What one more slice costs to publish (plaintext JSON and encrypted), against
 * the whole manifest the publish step used to upload every time; what a checkpoint costs, amortized over
 * {@link ManifestStore#MAX_DELTAS} versions; and how many versions a restore from a manifest CID reads. Prints
 * {@code RESULT} lines (docs/performance.md, "Published manifest").
 */
class ManifestPublishSizeTest {
    static final Instant T0 = Instant.parse("2026-09-01T00:00:00Z");
    static final int DAYS = 90;
    static final int SLICES_PER_DAY = 143; // plus the daily full: 144 entries a day
    final Random random = new Random(42);
    final Map<String, byte[]> uploaded = new HashMap<>();
    final BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000);

    String hex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    String cid() {
        return "bafybei" + hex(26).substring(0, 52);
    }

    /** An entry shaped like the real ones: CIDs, sha256, two peers, a wrapped key, the oplog window. */
    ManifestEntry.Builder common(ManifestEntry.Builder b, String name, Instant at) {
        return b.file(name, 40_000 + random.nextInt(100_000), hex(32)).databases(List.of("shop", "inventory", "billing"))
                .source("7.0.14", "rs0").durationMs(900 + random.nextInt(900))
                .peers(List.of("12D3KooW" + hex(22).substring(0, 44), "12D3KooW" + hex(22).substring(0, 44)))
                .engine("driver").compression("gzip")
                .key("k1", "1:k1:100000:" + java.util.Base64.getEncoder().encodeToString(new byte[16]) + ":"
                        + java.util.Base64.getEncoder().encodeToString(new byte[60]))
                .oplog(at.getEpochSecond() + ":1", at.plusSeconds(600).getEpochSecond() + ":17", 1000L + random.nextInt(5000));
    }

    List<ManifestEntry> history() {
        List<ManifestEntry> out = new ArrayList<>();
        for (int day = 0; day < DAYS; day++) {
            Instant start = T0.plus(Duration.ofDays(day));
            String full = cid();
            List<CollectionDigest> digests = new ArrayList<>();
            for (int c = 0; c < 12; c++) {
                digests.add(new CollectionDigest("shop.collection" + c, 10_000 + c, hex(32)));
            }
            out.add(common(ManifestEntry.full(full, start), "full_backup_" + day + ".tar.gz.enc", start).content(12, 140_000L, 65_000_000L)
                    .contentDigests(digests).build());
            String previous = full;
            for (int s = 1; s <= SLICES_PER_DAY; s++) {
                Instant at = start.plus(Duration.ofMinutes(10L * s));
                String slice = cid();
                out.add(common(ManifestEntry.incremental(slice, at, full, previous), "incremental_backup_" + day + "_" + s + ".tar.gz.enc", at)
                        .content(3, 500L, 250_000L).build());
                previous = slice;
            }
        }
        return out;
    }

    long encrypted(byte[] plain) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = cipher.encryptingStream(out)) {
            enc.write(plain);
        }
        return out.size();
    }

    long gzipped(byte[] plain) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(out)) {
            z.write(plain);
        }
        return out.size();
    }

    ManifestStore.NextVersion publish(ManifestStore store, String cid, Instant at) throws Exception {
        ManifestStore.NextVersion next = store.nextVersion(at);
        uploaded.put(cid, next.file().toJson());
        store.published(cid, next, at, "k1");
        return next;
    }

    @Test
    void oneMoreSliceAtThirteenThousandEntriesPublishesItsOwnEntryNotTheWholeManifest() throws Exception {
        try (InJvmMongo mongo = InJvmMongo.start(false); MongoClient client = MongoClients.create(mongo.uri())) {
            ManifestStore store = new ManifestStore(client, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            List<ManifestEntry> history = history();
            assertThat(history).hasSize(DAYS * (SLICES_PER_DAY + 1)); // 12,960
            // in one batch, in the store's own document form (inserting one by one takes minutes on a loaded machine)
            client.getDatabase("ipfs_backup").getCollection("backups").insertMany(history.stream().map(ManifestStore::toDocument).toList());
            Instant now = T0.plus(Duration.ofDays(DAYS));

            ManifestStore.NextVersion checkpoint = publish(store, "C0", now);
            assertThat(checkpoint.file().isCheckpoint()).isTrue();
            byte[] whole = uploaded.get("C0");
            long wholeEncrypted = encrypted(whole);

            // one slice at a time, as the slice route would publish them
            long deltaPlain = 0;
            long deltaEncrypted = 0;
            int slices = 10;
            ManifestEntry last = history.get(history.size() - 1);
            for (int i = 1; i <= slices; i++) {
                Instant at = now.plus(Duration.ofMinutes(10L * i));
                String slice = cid();
                store.insert(common(ManifestEntry.incremental(slice, at, last.baseBackup(), last.cid()), "incremental_backup_x" + i + ".tar.gz.enc", at)
                        .content(3, 500L, 250_000L).build());
                ManifestStore.NextVersion v = publish(store, "D" + i, at);
                assertThat(v.file().isCheckpoint()).isFalse();
                assertThat(v.file().backups()).hasSize(1);
                deltaPlain += uploaded.get("D" + i).length;
                deltaEncrypted += encrypted(uploaded.get("D" + i));
            }
            deltaPlain /= slices;
            deltaEncrypted /= slices;
            int entries = history.size() + slices;
            long amortizedPlain = deltaPlain + whole.length / (ManifestStore.MAX_DELTAS + 1);
            long amortizedEncrypted = deltaEncrypted + wholeEncrypted / (ManifestStore.MAX_DELTAS + 1);

            // restore from the newest CID alone: the whole state, read through the chain
            ManifestChain.State state = ManifestChain.read("D" + slices, c -> ManifestFile.read(new ByteArrayInputStream(uploaded.get(c))));
            assertThat(state.entries()).isEqualTo(store.all());
            assertThat(state.versionsRead()).isEqualTo(slices + 1);
            long worstWalkBytes = whole.length + (long) ManifestStore.MAX_DELTAS * deltaPlain;

            System.out.printf("RESULT manifest entries=%d wholePlainBytes=%d wholeEncryptedBytes=%d wholeGzipBytes=%d bytesPerEntry=%d%n",
                    entries, whole.length, wholeEncrypted, gzipped(whole), whole.length / entries);
            System.out.printf("RESULT manifest deltaPerSlicePlainBytes=%d deltaPerSliceEncryptedBytes=%d ratioToWhole=1/%d%n",
                    deltaPlain, deltaEncrypted, whole.length / deltaPlain);
            System.out.printf("RESULT manifest maxDeltas=%d amortizedPerSlicePlainBytes=%d amortizedPerSliceEncryptedBytes=%d perDayEncryptedBytes=%d wasPerDay=%d%n",
                    ManifestStore.MAX_DELTAS, amortizedPlain, amortizedEncrypted, 144 * amortizedEncrypted, 144 * wholeEncrypted);
            System.out.printf("RESULT manifest walk versionsRead=%d (here) max=%d worstWalkPlainBytes=%d%n",
                    state.versionsRead(), ManifestStore.MAX_DELTAS + 1, worstWalkBytes);

            assertThat(whole.length).as("the whole manifest at this scale is megabytes").isGreaterThan(10_000_000);
            assertThat(deltaPlain).as("a slice's delta is its own entry plus a little").isLessThan(4_000);
            assertThat(deltaEncrypted).isLessThan(deltaPlain + 400);
            assertThat(amortizedEncrypted * 100).as("checkpoints included, under 1/100 of the whole").isLessThan(wholeEncrypted);
        }
    }
}
