package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bson.Document;
import org.ipfsbackup.archive.ArchiveEntryInfo;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestChain;
import org.ipfsbackup.manifest.ManifestFile;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real routes/ directory, driven end to end in one JVM: MongoDB is mongo-java-server (driver dump engine),
 * the cluster is {@link FakeCluster}. The local-stack tests repeat this against the real programs.
 */
class PipelineRouteTest {
    static final int ITERATIONS = 10_000;

    InJvmMongo mongo;
    String mongoUri;
    FakeCluster cluster;
    @TempDir
    Path work;
    BackupApplication app;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        mongoUri = mongo.uri();
        try (MongoClient c = MongoClients.create(mongoUri)) {
            c.getDatabase("shop").getCollection("customers").insertMany(List.of(
                    new Document("_id", 1).append("name", "Ada").append("tags", List.of("a", "b")),
                    new Document("_id", 2).append("name", "Grace").append("address", new Document("city", "Arlington"))));
            c.getDatabase("inventory").getCollection("items").insertOne(new Document("sku", "X-1").append("qty", 3));
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

    Map<String, String> overrides(String node1, String node2) {
        Map<String, String> m = TestSettings.routeTest(mongoUri, node1, work);
        m.put("dump.oplog", "false");
        m.put("ipfs.cluster.node2", node2);
        return m;
    }

    BackupApplication start(Map<String, String> overrides) throws Exception {
        app = TestSettings.start(Project.routes(), overrides);
        return app;
    }

    BackupCipher cipher() {
        return new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), ITERATIONS);
    }

    @Test
    void fullBackupIsEncryptedUploadedVerifiedAndRecorded() throws Exception {
        start(overrides(cluster.url(), cluster.url()));
        BackupApplication.Outcome o = app.runBackup("full");

        assertThat(o.failure()).isNull();
        ManifestEntry e = o.entry();
        assertThat(e.type()).isEqualTo("full");
        assertThat(e.fileName()).matches("full_backup_\\d{4}-\\d{2}-\\d{2}_\\d{6}\\.tar\\.gz\\.enc");
        assertThat(e.databases()).containsExactlyInAnyOrder("shop", "inventory");
        assertThat(e.peers()).containsExactly("12D3KooWA", "12D3KooWB");
        byte[] uploaded = cluster.content.get(e.cid());
        assertThat(uploaded).isNotNull();
        assertThat(e.size()).isEqualTo(uploaded.length);
        assertThat(e.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(uploaded)));
        // what left the process is ciphertext: no gzip magic, no document content
        assertThat(uploaded[0] == (byte) 0x1f && uploaded[1] == (byte) 0x8b).isFalse();
        assertThat(new String(uploaded, StandardCharsets.ISO_8859_1)).doesNotContain("Grace", "customers", "ustar");
        // and it decrypts to the tar.gz of the dump
        try (InputStream plain = cipher().decryptingStream(new ByteArrayInputStream(uploaded))) {
            List<ArchiveEntryInfo> entries = new TarGzExtractor(ExtractLimits.defaults()).list(plain);
            assertThat(entries).extracting(ArchiveEntryInfo::name)
                    .contains("shop/customers.bson", "shop/customers.metadata.json", "inventory/items.bson");
        }
        // the add request asked for what the issue says, and leaked no internal header
        assertThat(cluster.requests).anySatisfy(r -> assertThat(r).startsWith("POST /add?stream-channels=false&cid-version=1")
                .contains("replication-min=2&replication-max=2").contains("meta-type=full"));
        assertThat(cluster.requestHeaders).allSatisfy(h -> assertThat(h.keySet()).noneMatch(k -> k.toLowerCase().startsWith("ipfs")));

        try (MongoClient c = MongoClients.create(mongoUri)) {
            ManifestStore repo = new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            assertThat(repo.find(e.cid())).contains(e);
            String manifestCid = repo.headManifestCid().orElseThrow();
            assertThat(manifestCid).isEqualTo(o.manifestCid());
            try (InputStream in = cipher().decryptingStream(new ByteArrayInputStream(cluster.content.get(manifestCid)))) {
                ManifestFile mf = ManifestFile.read(in);
                assertThat(mf.backups()).containsExactly(e);
                assertThat(mf.previousManifest()).isNull();
            }
        }
        assertNoTempFiles();

        // every step route is timed by camel-micrometer, tagged with its route id
        var meters = app.context().getRegistry().findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
        for (String step : List.of("backup-dump", "backup-archive", "backup-encrypt", "backup-upload", "backup-pin-verify", "backup-record")) {
            assertThat(meters.find("camel.route.policy").tag("routeId", step).timer()).as(step).isNotNull()
                    .satisfies(t -> assertThat(t.count()).isEqualTo(1));
        }

        // a second backup links its manifest to the first: a delta holding the new entry, whose state holds both
        BackupApplication.Outcome o2 = app.runBackup("full");
        assertThat(o2.failure()).isNull();
        ManifestChain.Fetch fetch = cid -> {
            try (InputStream in = cipher().decryptingStream(new ByteArrayInputStream(cluster.content.get(cid)))) {
                return ManifestFile.read(in);
            }
        };
        ManifestFile mf2 = fetch.read(o2.manifestCid());
        assertThat(mf2.previousManifest()).isEqualTo(o.manifestCid());
        assertThat(mf2.statistics().totalBackups()).isEqualTo(2);
        ManifestChain.State state = ManifestChain.read(o2.manifestCid(), fetch);
        assertThat(state.entries()).extracting(ManifestEntry::cid).containsExactly(e.cid(), o2.entry().cid());
        assertThat(mf2.isCheckpoint()).isFalse();
        assertThat(mf2.backups()).extracting(ManifestEntry::cid).containsExactly(o2.entry().cid());
        assertThat(state.versionsRead()).isEqualTo(2);
    }

    @Test
    void unreachableFirstNodeFailsOverToTheSecond() throws Exception {
        start(overrides("http://127.0.0.1:" + freePort(), cluster.url()));
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.failure()).isNull();
        assertThat(cluster.content).containsKey(o.entry().cid());
    }

    @Test
    void emptyAddAnswerFailsAndRecordsNothing() throws Exception {
        cluster.mode.set(FakeCluster.Mode.EMPTY_BODY);
        start(overrides(cluster.url(), cluster.url()));
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.succeeded()).isFalse();
        assertThat(o.failedStep()).isEqualTo("backup-upload");
        assertThat(o.failure()).contains("empty body");
        assertNothingRecorded();
        assertNoTempFiles();
    }

    @Test
    void clusterAnswering500TwiceThenRecoveringIsRetriedAndSucceeds() throws Exception {
        cluster.failAdds.set(2);
        start(overrides(cluster.url(), cluster.url()));
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.failure()).isNull();
        assertThat(cluster.requests.stream().filter(r -> r.startsWith("POST /add")).count()).isEqualTo(4); // 3 for the backup, 1 manifest
    }

    @Test
    void clusterErrorIsReportedWithItsMessage() throws Exception {
        cluster.mode.set(FakeCluster.Mode.ERROR_500);
        start(overrides(cluster.url(), cluster.url()));
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.succeeded()).isFalse();
        assertThat(o.failure()).contains("HTTP 500").contains("not enough peers");
        // the one cluster policy: a 5xx goes on to the next node (both nodes are this fake), then the try fails
        // transient and the dead-letter channel redelivers it
        assertThat(cluster.requests.stream().filter(r -> r.startsWith("POST /add")).count()).as("(1 try + 3 retries) x 2 nodes").isEqualTo(8);
        assertNothingRecorded();
        assertNoTempFiles();
    }

    @Test
    void pinNeverCompletingFailsTheBackupAndUnpinsTheUpload() throws Exception {
        cluster.mode.set(FakeCluster.Mode.NEVER_PINNED);
        start(overrides(cluster.url(), cluster.url()));
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.succeeded()).isFalse();
        assertThat(o.failedStep()).isEqualTo("backup-pin-verify");
        assertThat(o.failure()).contains("was not pinned").contains("p1=pinning");
        assertThat(cluster.content).isEmpty();
        assertThat(cluster.requests).anyMatch(r -> r.startsWith("DELETE /pins/"));
        assertNothingRecorded();
        assertNoTempFiles();
    }

    @Test
    void badSettingsStopStartupNamingTheSetting() {
        Map<String, String> m = overrides(cluster.url(), cluster.url());
        m.put("backup.full.schedule", "0 25 * * 0");
        assertThatThrownBy(() -> start(m)).isInstanceOf(ConfigException.class).hasMessageContaining("FULL_BACKUP_SCHEDULE");
        assertThatThrownBy(() -> BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(),
                overrides(cluster.url(), cluster.url()), Map.of(), false)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BACKUP_ENCRYPTION_KEY");
        assertThatThrownBy(() -> BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(),
                overrides(cluster.url(), cluster.url()), Map.of("BACKUP_ENCRYPTION_KEY", "password"), false)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BACKUP_ENCRYPTION_KEY");
        assertThat(cluster.requests).isEmpty();
    }

    @Test
    void scheduleRunsOnlyInServiceModeAndUsesTheTranslatedCron() throws Exception {
        Map<String, String> m = overrides(cluster.url(), cluster.url());
        m.put("backup.full.schedule", "30 3 * * 6");
        app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(), m,
                Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), true));
        assertThat(app.context().getRouteController().getRouteStatus("backup-full-trigger").isStarted()).isTrue();
        assertThat(app.context().getRoute("backup-full-trigger").getEndpoint().getEndpointUri()).contains("cron=0+30+3+?+*+SAT");
        app.close();
        app = null;
        // a Quartz expression firing every second: the trigger really runs a backup through the routes
        m.put("backup.full.schedule", "* * * * * ?");
        app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(), m,
                Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), true));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> !cluster.names.isEmpty()
                && cluster.names.values().stream().anyMatch(n -> n.startsWith("manifest_")));
        app.close();
        app = null;
        start(overrides(cluster.url(), cluster.url()));
        assertThat(app.context().getRouteController().getRouteStatus("backup-full-trigger").isStarted()).isFalse();
    }

    @Test
    void leftoversOfACrashedRunAreRemovedByTheNextJobThatTakesTheLockNotAtStart() throws Exception {
        Path left = Files.createDirectories(work.resolve("job-full_backup_2026-01-01_000000.tar.gz.enc/dump/shop"));
        Files.writeString(left.resolve("customers.bson"), "half a dump");
        Path crashed = Files.createDirectories(work.resolve("job-incremental_backup_2026-01-02_000000.tar.gz.enc"));
        Files.writeString(crashed.resolve(org.ipfsbackup.job.WorkDirectories.OWNER_FILE), "db9:4711:0dead000\n");
        start(overrides(cluster.url(), cluster.url()));
        // another process may run that job: a start alone removes nothing (issue 10)
        assertThat(left.resolve("customers.bson")).exists();
        assertThat(crashed).exists();
        // the next job, holding the lock, removes the folders of jobs whose owner holds no live lease
        assertThat(app.runBackup("full").failure()).isNull();
        assertNoTempFiles();
    }

    @Test
    void bearerTokenIsSentToTheClusterAndNothingElseLeaks() throws Exception {
        app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(), overrides(cluster.url(), cluster.url()),
                Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY, "IPFS_CLUSTER_TOKEN", "tok-123"), false));
        assertThat(app.runBackup("full").failure()).isNull();
        assertThat(cluster.requestHeaders).isNotEmpty().allSatisfy(h -> assertThat(h.get("Authorization")).containsExactly("Bearer tok-123"));
    }

    void assertNothingRecorded() {
        try (MongoClient c = MongoClients.create(mongoUri)) {
            assertThat(new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").all()).isEmpty();
        }
    }

    void assertNoTempFiles() throws Exception {
        try (Stream<Path> s = Files.list(work)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
