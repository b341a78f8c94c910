package org.ipfsbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.DecryptionException;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.crypto.KeyRing;
import org.ipfsbackup.crypto.WrappedKey;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestFile;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.restore.BackupFetcher;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key rotation as an operator does it, through the command line and the real routes (mongo-java-server, the cluster
 * double): a backup under key A; rotate to key B with A in the keyring; a backup under B; A removed before rekey, the
 * old backup fails naming A's key id; rekey (dry run, run, run again); A removed: both backups restore, byte for byte.
 */
class KeyRotationCliTest {
    static final String KEY_A = "rotation-test-key-A-9f2c41e7-ipfs-backup";
    static final String KEY_B = "rotation-test-key-B-5d8a07b3-ipfs-backup";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    InJvmMongo mongo;
    String mongoUri;
    FakeCluster cluster;
    StringWriter out;
    StringWriter err;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        mongoUri = mongo.uri();
        try (MongoClient c = MongoClients.create(mongoUri)) {
            c.getDatabase("shop").getCollection("customers").insertMany(List.of(
                    new Document("_id", 1).append("name", "Ada"), new Document("_id", 2).append("name", "Grace")));
        }
        cluster = new FakeCluster();
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        mongo.close();
    }

    int run(Map<String, String> env, String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return Main.execute(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    /** A properties file for the current key id and (optionally) a keyring directory. */
    Path config(String name, String keyId, Path keyringDir) throws Exception {
        List<String> lines = new ArrayList<>(List.of("mongodb.uri=" + mongoUri, "dump.engine=driver", "dump.oplog=false",
                "ipfs.cluster.node1=" + cluster.url(), "ipfs.nodes=" + cluster.url(), "ipfs.pin.timeout=5s",
                "backup.work-dir=" + dir.resolve("work"), "crypto.kdf.iterations=10000", "retention.after-backup=false",
                "crypto.key-id=" + keyId));
        if (keyringDir != null) {
            lines.add("crypto.keyring-dir=" + keyringDir);
        }
        return Files.write(dir.resolve(name + ".properties"), lines);
    }

    String[] args(Path cfg, String... a) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of("--config", cfg.toString(), "--routes", Project.routes().toString()));
        return l.toArray(String[]::new);
    }

    Map<String, ManifestEntry> manifest() {
        try (MongoClient c = MongoClients.create(mongoUri)) {
            Map<String, ManifestEntry> m = new HashMap<>();
            new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").all().forEach(e -> m.put(e.cid(), e));
            return m;
        }
    }

    String headManifestCid() {
        try (MongoClient c = MongoClients.create(mongoUri)) {
            return new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").headManifestCid().orElseThrow();
        }
    }

    static BackupCipher cipher(String current, String currentId, String... retiredSecretAndId) {
        List<EncryptionKey> retired = new ArrayList<>();
        for (int i = 0; i < retiredSecretAndId.length; i += 2) {
            retired.add(EncryptionKey.fromSecret(retiredSecretAndId[i], retiredSecretAndId[i + 1]));
        }
        return new BackupCipher(new KeyRing(EncryptionKey.fromSecret(current, currentId), retired), 10_000);
    }

    static byte[] decrypt(BackupCipher c, byte[] file, WrappedKey manifestKey) throws Exception {
        try (InputStream in = c.decryptingStream(new ByteArrayInputStream(file), manifestKey)) {
            return in.readAllBytes();
        }
    }

    @Test
    void rotateBackupRekeyRetireRestore() throws Exception {
        Map<String, String> envA = Map.of("BACKUP_ENCRYPTION_KEY", KEY_A);
        Map<String, String> envB = Map.of("BACKUP_ENCRYPTION_KEY", KEY_B);
        Path keyring = Files.createDirectory(dir.resolve("keyring"));
        Files.writeString(keyring.resolve("a2025"), KEY_A + "\n");
        Path cfgA = config("a", "a2025", null);
        Path cfgBWithA = config("b-with-a", "b2026", keyring);
        Path cfgB = config("b", "b2026", null);

        // 1. a backup under key A
        assertThat(run(envA, args(cfgA, "backup", "full", "--json"))).as(err.toString()).isZero();
        String oldCid = JSON.readTree(out.toString().strip()).get("cid").asText();
        // 2. rotate: B current, A in the keyring directory; a backup under B
        assertThat(run(envB, args(cfgBWithA, "backup", "full", "--json"))).as(err.toString()).isZero();
        String newCid = JSON.readTree(out.toString().strip()).get("cid").asText();
        Map<String, ManifestEntry> before = manifest();
        assertThat(before.get(oldCid).keyId()).isEqualTo("a2025");
        assertThat(before.get(newCid).keyId()).isEqualTo("b2026");
        assertThat(before.get(oldCid).dataKey().keyId()).isEqualTo("a2025");
        assertThat(before.get(newCid).dataKey().keyId()).isEqualTo("b2026");
        // what both backups decrypt to with the keyring (each from its own header)
        BackupCipher bWithA = cipher(KEY_B, "b2026", KEY_A, "a2025");
        byte[] oldArchive = decrypt(bWithA, cluster.content.get(oldCid), null);
        byte[] newArchive = decrypt(bWithA, cluster.content.get(newCid), null);

        // 3. A removed before rekey: the old backup (its entry not rekeyed) fails, naming A's key id
        assertThat(run(envB, args(cfgB, "verify", "all"))).isEqualTo(1);
        assertThat(out.toString()).containsPattern("FAILED .*" + oldCid + ".*key id a2025, which is neither the configured key \\(b2026\\)")
                .contains("add the retired key a2025 to the keyring")
                .containsPattern("OK +full " + newCid);

        // 4. rekey, with A given as BACKUP_ENCRYPTION_OLD_KEYS this time: a dry run changes nothing
        Map<String, String> envBWithA = Map.of("BACKUP_ENCRYPTION_KEY", KEY_B, "BACKUP_ENCRYPTION_OLD_KEYS", "a2025:" + KEY_A);
        String headBefore = headManifestCid();
        assertThat(run(envBWithA, args(cfgB, "rekey", "--dry-run", "--json"))).as(err.toString()).isZero();
        JsonNode dry = JSON.readTree(out.toString().strip());
        assertThat(dry.get("rewrapped").asInt()).isEqualTo(1);
        assertThat(manifest()).isEqualTo(before);
        assertThat(headManifestCid()).isEqualTo(headBefore);

        assertThat(run(envBWithA, args(cfgB, "rekey", "--json"))).as(err.toString()).isZero();
        JsonNode done = JSON.readTree(out.toString().strip());
        assertThat(done.get("keyId").asText()).isEqualTo("b2026");
        assertThat(done.get("rewrapped").asInt()).isEqualTo(1);
        assertThat(done.get("alreadyCurrent").asInt()).isEqualTo(1);
        assertThat(done.get("failed")).isEmpty();
        String newManifest = done.get("manifestCid").asText();
        assertThat(newManifest).isNotBlank().isEqualTo(headManifestCid()).isNotEqualTo(headBefore);
        Map<String, ManifestEntry> after = manifest();
        assertThat(after.get(oldCid).keyId()).isEqualTo("b2026");
        assertThat(after.get(oldCid).dataKey().keyId()).isEqualTo("b2026");
        assertThat(after.get(oldCid).wrappedKey()).isNotEqualTo(before.get(oldCid).wrappedKey());
        assertThat(after.get(newCid)).isEqualTo(before.get(newCid));
        // nothing was uploaded again but the new manifest version
        assertThat(cluster.content.get(oldCid)).isNotNull();

        // run again: idempotent, nothing to do, no new manifest version
        assertThat(run(envBWithA, args(cfgB, "rekey"))).as(err.toString()).isZero();
        assertThat(out.toString()).contains("re-wrapped 0 data key(s) under key id b2026, 2 already under it");
        assertThat(headManifestCid()).isEqualTo(newManifest);
        assertThat(manifest()).isEqualTo(after);

        // 5. A removed from every keyring: both backups verify and restore, byte for byte
        assertThat(run(envB, args(cfgB, "verify", "all"))).as(out + "" + err).isZero();
        assertThat(out.toString()).containsPattern("OK +full " + oldCid).containsPattern("OK +full " + newCid);
        BackupCipher onlyB = cipher(KEY_B, "b2026");
        assertThat(decrypt(onlyB, cluster.content.get(oldCid), after.get(oldCid).dataKey())).isEqualTo(oldArchive);
        assertThat(decrypt(onlyB, cluster.content.get(newCid), after.get(newCid).dataKey())).isEqualTo(newArchive);
        Path oldEnc = Files.write(dir.resolve("old.enc"), cluster.content.get(oldCid));
        Path newEnc = Files.write(dir.resolve("new.enc"), cluster.content.get(newCid));
        BackupFetcher.decryptAndExtract(onlyB, oldEnc, null, after.get(oldCid).dataKey(), dir.resolve("old-dump"), null, null);
        BackupFetcher.decryptAndExtract(onlyB, newEnc, null, after.get(newCid).dataKey(), dir.resolve("new-dump"), null, null);
        byte[] oldBson = Files.readAllBytes(dir.resolve("old-dump/shop/customers.bson"));
        assertThat(oldBson).isEqualTo(Files.readAllBytes(dir.resolve("new-dump/shop/customers.bson")));
        assertThat(new String(oldBson, StandardCharsets.ISO_8859_1)).contains("Grace");

        // the file's own header still names A: without the manifest's key the error names a2025 ...
        assertThat(run(envB, args(cfgB, "decrypt", oldEnc.toString(), "-o", dir.resolve("plain").toString()))).isEqualTo(1);
        assertThat(err.toString()).contains("key id a2025").doesNotContain("Exception", "\tat ");
        assertThat(dir.resolve("plain")).doesNotExist();
        // ... and with it (copied from the manifest entry) it decrypts
        assertThat(run(envB, args(cfgB, "decrypt", oldEnc.toString(), "-o", dir.resolve("plain").toString(),
                "--wrapped-key", after.get(oldCid).wrappedKey()))).as(err.toString()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("plain"))).isEqualTo(oldArchive);

        // the manifest copy in IPFS is under B now and carries the re-wrapped keys
        try (InputStream in = onlyB.decryptingStream(new ByteArrayInputStream(cluster.content.get(newManifest)))) {
            ManifestFile mf = ManifestFile.read(in);
            assertThat(mf.backups()).extracting(ManifestEntry::cid, ManifestEntry::keyId)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(oldCid, "b2026"), org.assertj.core.groups.Tuple.tuple(newCid, "b2026"));
            assertThat(mf.backups()).extracting(ManifestEntry::wrappedKey)
                    .containsExactlyInAnyOrder(after.get(oldCid).wrappedKey(), after.get(newCid).wrappedKey());
            assertThat(mf.previousManifest()).isEqualTo(headBefore);
        }
        assertThat(run(envB, args(cfgB, "list", "--json", "--manifest-cid", newManifest))).as(err.toString()).isZero();
        assertThat(out.toString()).contains(oldCid, newCid);

        // no secret anywhere: not in the manifest documents, not in what the commands printed
        try (MongoClient c = MongoClients.create(mongoUri)) {
            for (Document d : c.getDatabase("ipfs_backup").getCollection("backups").find()) {
                assertThat(d.toJson()).doesNotContain(KEY_A, KEY_B);
            }
        }
        assertThat(out.toString() + err).doesNotContain(KEY_A, KEY_B);
    }

    @Test
    void anEntryNotRekeyedWhoseKeyIsGoneFailsRekeyNamingTheKeyIdAndKeepsItsKey() throws Exception {
        assertThat(run(Map.of("BACKUP_ENCRYPTION_KEY", KEY_A), args(config("a", "a2025", null), "backup", "full", "--json")))
                .as(err.toString()).isZero();
        String cid = JSON.readTree(out.toString().strip()).get("cid").asText();
        ManifestEntry before = manifest().get(cid);

        // rotated, but A was not kept anywhere
        assertThat(run(Map.of("BACKUP_ENCRYPTION_KEY", KEY_B), args(config("b", "b2026", null), "rekey"))).isEqualTo(1);
        assertThat(out.toString()).contains("re-wrapped 0 data key(s) under key id b2026, 0 already under it").contains("1 failed");
        assertThat(err.toString()).contains("failed " + cid + ": wrong key: the data key is wrapped under key id a2025, which is neither"
                + " the configured key (b2026) nor in the keyring (empty)");
        assertThat(manifest().get(cid)).isEqualTo(before);
        DecryptionException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> decrypt(cipher(KEY_B, "b2026"), cluster.content.get(cid), before.dataKey()), DecryptionException.class);
        assertThat(e.getMessage()).contains("key id a2025");
    }
}
