package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bson.Document;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup-cache step in the real routes, in one JVM (mongo-java-server, {@link FakeCluster}). */
class CacheRouteTest {
    InJvmMongo mongo;
    FakeCluster cluster;
    @TempDir
    Path tmp;
    BackupApplication app;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        try (MongoClient c = MongoClients.create(mongo.uri())) {
            c.getDatabase("shop").getCollection("customers").insertMany(List.of(new Document("_id", 1).append("name", "Ada"),
                    new Document("_id", 2).append("name", "Grace")));
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

    Map<String, String> overrides(String cacheMax) {
        Map<String, String> m = TestSettings.routeTest(mongo.uri(), cluster.url(), tmp.resolve("work"));
        m.put("dump.oplog", "false");
        m.put("ipfs.cluster.node2", cluster.url());
        m.put("retention.after-backup", "false");
        m.put("backup.cache.dir", tmp.resolve("cache").toString());
        m.put("backup.cache.max", cacheMax);
        return m;
    }

    @Test
    void theUploadedFileIsKeptByCidAndRetentionRemovesIt() throws Exception {
        app = TestSettings.start(Project.routes(), overrides("1GiB"));
        ManifestEntry old = app.runBackup("full").entry();
        ManifestEntry newest = app.runBackup("full").entry();
        assertThat(old).isNotNull();
        for (ManifestEntry e : List.of(old, newest)) {
            Path cached = tmp.resolve("cache").resolve(e.cid());
            byte[] bytes = Files.readAllBytes(cached);
            assertThat(bytes).as("the cached file is what was uploaded").isEqualTo(cluster.content.get(e.cid()));
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))).isEqualTo(e.sha256());
        }
        try (Stream<Path> s = Files.list(tmp.resolve("work"))) {
            assertThat(s.toList()).as("work directory cleaned up as before").isEmpty();
        }
        assertThat(meters().counter("ipfs.backup.cache.kept").count()).isEqualTo(2);

        // retention expires the older chain: its cached file goes with it, the newest stays
        BackupApplication.RetentionOutcome r = app.runRetention(Instant.now().plus(Duration.ofDays(91)));
        assertThat(r.failure()).isNull();
        assertThat(r.unpinned()).contains(old.cid()).doesNotContain(newest.cid());
        assertThat(tmp.resolve("cache").resolve(old.cid())).doesNotExist();
        assertThat(tmp.resolve("cache").resolve(newest.cid())).exists();
    }

    @Test
    void aCacheFailureDoesNotFailTheBackup() throws Exception {
        app = TestSettings.start(Project.routes(), overrides("1GiB"));
        // the cache directory becomes a file after start-up: the cache cannot keep anything
        Path dir = tmp.resolve("cache");
        Files.delete(dir);
        Files.writeString(dir, "not a directory");
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.failure()).isNull();
        assertThat(o.entry()).isNotNull();
        assertThat(cluster.content).containsKey(o.entry().cid());
        assertThat(meters().counter("ipfs.backup.cache.failures").count()).isEqualTo(1);
        try (Stream<Path> s = Files.list(tmp.resolve("work"))) {
            assertThat(s.toList()).as("no stray temp files").isEmpty();
        }
    }

    @Test
    void aBadCacheSettingStopsStartUp() {
        assertThatThrownBy(() -> TestSettings.start(Project.routes(), overrides("-5")))
                .hasStackTraceContaining(ConfigException.class.getName()).hasStackTraceContaining("BACKUP_CACHE_MAX");
    }

    @Test
    void withoutACacheDirTheStepIsSkipped() throws Exception {
        Map<String, String> o = overrides("1GiB");
        o.remove("backup.cache.dir");
        app = TestSettings.start(Project.routes(), o);
        assertThat(app.runBackup("full").failure()).isNull();
        assertThat(tmp.resolve("cache")).doesNotExist();
        assertThat(meters().find("camel.route.policy").tag("routeId", "backup-cache").timer()).isNull();
    }

    private MeterRegistry meters() {
        return app.context().getRegistry().findSingleByType(MeterRegistry.class);
    }
}
