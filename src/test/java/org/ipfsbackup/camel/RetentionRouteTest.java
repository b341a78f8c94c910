package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.camel.component.mock.MockEndpoint;
import org.bson.Document;
import org.ipfsbackup.cli.Main;
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

/** Retention through the real routes (mongo-java-server with oplog, cluster double), the clock moved forward. */
class RetentionRouteTest {
    InJvmMongo mongo;
    String uri;
    FakeCluster cluster;
    BackupApplication app;
    @TempDir
    Path work;
    Map<String, String> overrides;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(true);
        uri = mongo.uri();
        cluster = new FakeCluster();
        overrides = TestSettings.routeTest(uri, cluster.url(), work.resolve("work"));
        overrides.put("retention.after-backup", "false");
        overrides.put("retention.batch-size", "1");
    }

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        cluster.close();
        mongo.close();
    }

    void start(Path routes) throws Exception {
        app = TestSettings.start(routes, overrides);
    }

    /** Two chains: F1 <- I1 and F2 <- I2 (the newest). */
    List<ManifestEntry> twoChains() throws Exception {
        try (MongoClient c = MongoClients.create(uri)) {
            var orders = c.getDatabase("shop").getCollection("orders");
            orders.insertOne(new Document("_id", 1));
            ManifestEntry f1 = app.runBackup("full").entry();
            orders.insertOne(new Document("_id", 2));
            ManifestEntry i1 = app.runBackup("incremental").entry();
            ManifestEntry f2 = app.runBackup("full").entry();
            orders.insertOne(new Document("_id", 3));
            ManifestEntry i2 = app.runBackup("incremental").entry();
            assertThat(i1.baseBackup()).isEqualTo(f1.cid());
            assertThat(i2.baseBackup()).isEqualTo(f2.cid());
            return List.of(f1, i1, f2, i2);
        }
    }

    ManifestStore repo(MongoClient c) {
        return new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history");
    }

    @Test
    void oldChainsAreUnpinnedAndMarkedDeletedTheNewestChainStays() throws Exception {
        start(Project.routes());
        List<ManifestEntry> b = twoChains();
        Instant later = Instant.now().plus(Duration.ofDays(91));

        // nothing is old yet
        BackupApplication.RetentionOutcome now = app.runRetention(null);
        assertThat(now.failure()).isNull();
        assertThat(now.unpinned()).isEmpty();
        assertThat(now.manifestCid()).as("no change, no new manifest version").isNull();

        BackupApplication.RetentionOutcome o = app.runRetention(later);
        assertThat(o.failure()).isNull();
        assertThat(o.unpinned()).containsExactlyInAnyOrder(b.get(0).cid(), b.get(1).cid());
        assertThat(cluster.content).doesNotContainKeys(b.get(0).cid(), b.get(1).cid()).containsKeys(b.get(2).cid(), b.get(3).cid());
        // ipfs_backup_unpins_total{reason="retention"}
        assertThat(app.metrics().registry().find("ipfs.backup.unpins").tag("reason", "retention").counter().count()).isEqualTo(2.0);
        try (MongoClient c = MongoClients.create(uri)) {
            var entries = repo(c).all();
            assertThat(entries).filteredOn(e -> e.status().equals(ManifestEntry.DELETED)).extracting(ManifestEntry::cid)
                    .containsExactlyInAnyOrder(b.get(0).cid(), b.get(1).cid());
            assertThat(entries).filteredOn(e -> e.status().equals(ManifestEntry.DELETED)).allSatisfy(e -> assertThat(e.deletedAt()).isEqualTo(later.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
            // the manifest in MongoDB and the new manifest CID agree
            assertThat(repo(c).headManifestCid()).contains(o.manifestCid());
            BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000);
            try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(cluster.content.get(o.manifestCid())))) {
                ManifestFile mf = ManifestFile.read(in);
                // the version carries what retention changed (or, as a checkpoint, everything); its state is the whole manifest
                assertThat(mf.backups()).extracting(ManifestEntry::cid).contains(b.get(0).cid(), b.get(1).cid());
                assertThat(mf.statistics().deletedBackups()).isEqualTo(2);
            }
            ManifestChain.State state = ManifestChain.read(o.manifestCid(), cid -> {
                try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(cluster.content.get(cid)))) {
                    return ManifestFile.read(in);
                }
            });
            assertThat(state.entries()).containsExactlyInAnyOrderElementsOf(entries);
        }
        try (var s = Files.list(work.resolve("work"))) {
            assertThat(s.toList()).isEmpty();
        }
        // running again changes nothing
        assertThat(app.runRetention(later).unpinned()).isEmpty();
    }

    @Test
    void aFailingUnpinLeavesThatEntryIntactTheRestCompleteAndItIsRetriedNextRun() throws Exception {
        start(Project.routes());
        List<ManifestEntry> b = twoChains();
        cluster.failUnpin.add(b.get(1).cid());
        Instant later = Instant.now().plus(Duration.ofDays(91));
        BackupApplication.RetentionOutcome o = app.runRetention(later);
        assertThat(o.failure()).contains("1 unpin(s) failed").contains(b.get(1).cid());
        assertThat(o.unpinned()).containsExactly(b.get(0).cid());
        try (MongoClient c = MongoClients.create(uri)) {
            assertThat(repo(c).find(b.get(1).cid()).orElseThrow().status()).isEqualTo(ManifestEntry.COMPLETE);
            assertThat(repo(c).find(b.get(0).cid()).orElseThrow().status()).isEqualTo(ManifestEntry.DELETED);
        }
        cluster.failUnpin.clear();
        BackupApplication.RetentionOutcome retry = app.runRetention(later);
        assertThat(retry.failure()).isNull();
        assertThat(retry.unpinned()).containsExactly(b.get(1).cid());
    }

    @Test
    void dryRunPrintsWhatWouldGoAndChangesNothing() throws Exception {
        start(Project.routes());
        List<ManifestEntry> b = twoChains();
        Path cfg = work.resolve("cli.properties");
        Files.write(cfg, List.of("mongodb.uri=" + uri));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out, true), new PrintWriter(err, true), "retention", "--dry-run", "--now",
                Instant.now().plus(Duration.ofDays(91)).toString(), "--config", cfg.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("WOULD EXPIRE").contains(b.get(0).cid()).contains(b.get(1).cid())
                .contains("dry run, nothing changed: 2 to expire, 2 kept");
        assertThat(cluster.content).containsKeys(b.get(0).cid(), b.get(1).cid());
        try (MongoClient c = MongoClients.create(uri)) {
            assertThat(repo(c).all()).allSatisfy(e -> assertThat(e.status()).isEqualTo(ManifestEntry.COMPLETE));
        }
    }

    @Test
    void manifestVersionsTheHeadLinksToStayBeyondTheLimitAndOnlyUnneededOnesOffTheChainAreUnpinned() throws Exception {
        overrides.put("retention.manifest-versions", "1");
        start(Project.routes());
        List<ManifestEntry> b = twoChains(); // four backups -> four manifest versions, each linking to the one before
        List<String> chain = cluster.names.entrySet().stream().filter(e -> e.getValue().startsWith("manifest_")).map(Map.Entry::getKey).toList();
        assertThat(chain).hasSize(4);
        // two versions off the head's chain (a publish that raced another): one from before the oldest backup kept,
        // one from after it
        Instant beforeAll = b.get(0).timestamp().minus(Duration.ofDays(1));
        cluster.content.put("bafkreioffchainold", new byte[] {1});
        cluster.names.put("bafkreioffchainold", "manifest_2026-01-01_000000.json.enc");
        cluster.content.put("bafkreioffchainnew", new byte[] {1});
        cluster.names.put("bafkreioffchainnew", "manifest_2026-01-01_000001.json.enc");
        try (MongoClient c = MongoClients.create(uri)) {
            var history = c.getDatabase("ipfs_backup").getCollection("manifest_history");
            history.insertOne(new Document("_id", "bafkreioffchainold").append("previous", null).append("createdAt", java.util.Date.from(beforeAll)));
            history.insertOne(new Document("_id", "bafkreioffchainnew").append("previous", chain.get(0))
                    .append("createdAt", java.util.Date.from(b.get(1).timestamp())));
        }

        app.runRetention(Instant.now()); // nothing expires: F1 is the oldest backup kept

        assertThat(cluster.content).as("the head's chain, beyond the limit of 1").containsKeys(chain.toArray(String[]::new))
                .as("a version that may name a live backup").containsKey("bafkreioffchainnew")
                .as("a version off the chain from before every backup kept").doesNotContainKey("bafkreioffchainold");
        try (MongoClient c = MongoClients.create(uri)) {
            List<String> listed = c.getDatabase("ipfs_backup").getCollection("manifest_history").find().map(d -> d.getString("_id"))
                    .into(new java.util.ArrayList<>());
            assertThat(listed).containsAll(chain).contains("bafkreioffchainnew").doesNotContain("bafkreioffchainold");
        }

        // F1 and I1 expire: a new version is published. Versions that named only them may go, unless a kept version
        // needs them to be read (its delta chain back to its checkpoint): every version still listed reads back from
        // its CID alone, and the head reads back as the whole manifest
        app.runRetention(Instant.now().plus(Duration.ofDays(91)));
        assertThat(cluster.content).doesNotContainKeys(b.get(0).cid(), b.get(1).cid());
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000);
        ManifestChain.Fetch pinned = cid -> {
            byte[] bytes = cluster.content.get(cid);
            if (bytes == null) {
                throw new java.io.IOException("not pinned");
            }
            try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(bytes))) {
                return ManifestFile.read(in);
            }
        };
        try (MongoClient c = MongoClients.create(uri)) {
            for (var v : repo(c).versions()) {
                assertThat(ManifestChain.read(v.cid(), pinned).versionsRead()).as(v.cid()).isPositive();
            }
            assertThat(ManifestChain.read(repo(c).headManifestCid().orElseThrow(), pinned).entries()).isEqualTo(repo(c).all());
        }
    }

    @Test
    void editedRoutesTakeEffectOnRestartWithoutARebuild() throws Exception {
        Path routes = work.resolve("routes");
        Files.createDirectories(routes);
        try (var s = Files.list(Project.routes())) {
            for (Path p : s.toList()) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        // an operator adds a step to the retention route
        Path yaml = routes.resolve("retention.camel.yaml");
        String text = Files.readString(yaml);
        String anchor = "        - to:\n            uri: direct:retention-unpin\n";
        assertThat(text).contains(anchor);
        Files.writeString(yaml, text.replace(anchor, "        - to:\n            uri: mock:operator-added\n" + anchor));
        start(routes);
        MockEndpoint mock = app.context().getEndpoint("mock:operator-added", MockEndpoint.class);
        mock.expectedMessageCount(1);
        app.runRetention(null);
        mock.assertIsSatisfied();
    }
}
