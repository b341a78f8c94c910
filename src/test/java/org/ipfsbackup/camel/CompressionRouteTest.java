package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.restore.BackupFetcher;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** backup.compression through the real routes: the file name and the manifest name the codec, and it restores. */
class CompressionRouteTest {
    InJvmMongo mongo;
    String mongoUri;
    FakeCluster cluster;
    BackupApplication app;
    @TempDir
    Path work;

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
        if (app != null) {
            app.close();
        }
        cluster.close();
        mongo.close();
    }

    Map<String, String> settings(String compression) {
        Map<String, String> m = TestSettings.routeTest(mongoUri, cluster.url(), work);
        m.put("dump.oplog", "false");
        m.put("backup.compression", compression);
        return m;
    }

    ManifestEntry backupAndRestore(String compression, String extension) throws Exception {
        app = TestSettings.start(Project.routes(), settings(compression));
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.failure()).isNull();
        ManifestEntry e = o.entry();
        assertThat(e.fileName()).matches("full_backup_\\d{4}-\\d{2}-\\d{2}_\\d{6}\\" + extension + "\\.enc");
        assertThat(e.compression()).isEqualTo(compression);
        try (MongoClient c = MongoClients.create(mongoUri)) {
            assertThat(new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").find(e.cid()).orElseThrow().compression())
                    .isEqualTo(compression);
        }
        Path enc = Files.write(work.resolve("downloaded.enc"), cluster.content.get(e.cid()));
        Path dir = work.resolve("restored-" + compression);
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000);
        BackupFetcher.decryptAndExtract(cipher, enc, null, null, dir, e.compression(), e.fileName());
        assertThat(Files.readAllBytes(dir.resolve("shop/customers.bson"))).isNotEmpty();
        assertThat(dir.resolve("shop/customers.metadata.json")).exists();
        return e;
    }

    @Test
    void zstdBackupIsNamedTarZstAndRecordedAsZstd() throws Exception {
        backupAndRestore("zstd", ".tar.zst");
    }

    @Test
    void gzipIsTheDefaultAndKeepsTheOldName() throws Exception {
        backupAndRestore("gzip", ".tar.gz");
    }

    @Test
    void anUnknownCodecStopsStartUpNamingTheSetting() {
        assertThatThrownBy(() -> TestSettings.start(Project.routes(), settings("brotli")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BACKUP_COMPRESSION (backup.compression) = 'brotli'");
    }
}
