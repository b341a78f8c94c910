package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.manifest.BackupChains;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.mongo.OplogPosition;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Oplog slices through the real routes (direct:backup-slice), on mongo-java-server with its oplog, cluster double. */
class SliceRouteTest {
    InJvmMongo mongo;
    String uri;
    FakeCluster cluster;
    BackupApplication app;
    @TempDir
    Path work;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(true);
        uri = mongo.uri();
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

    Map<String, String> settings() {
        return TestSettings.routeTest(uri, cluster.url(), work);
    }

    List<ManifestEntry> manifest(MongoClient c) {
        return new org.ipfsbackup.manifest.ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").all();
    }

    MongoCollection<Document> orders(MongoClient c) {
        return c.getDatabase("shop").getCollection("orders");
    }

    /** The orders changes inside an uploaded slice ({@code op} and document id). */
    List<String> orderOps(String cid) throws Exception {
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000);
        Path dir = Files.createTempDirectory(work.getParent(), "slice");
        try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(cluster.content.get(cid)))) {
            new TarGzExtractor(ExtractLimits.defaults()).extract(in, dir.resolve("x"));
        }
        List<String> out = new java.util.ArrayList<>();
        try (var r = new org.ipfsbackup.restore.BsonFileReader(dir.resolve("x/oplog.bson"))) {
            for (org.bson.RawBsonDocument d : r) {
                Document doc = Document.parse(d.toJson());
                if ("shop.orders".equals(doc.getString("ns"))) {
                    out.add(doc.getString("op") + doc.get("o", Document.class).get("_id"));
                }
            }
        }
        org.ipfsbackup.job.WorkDirectories.deleteTree(dir);
        return out;
    }

    @Test
    void slicesContinueTheChainAsMarkedIncrementalsWithNoGapAndNoOverlap() throws Exception {
        app = TestSettings.start(Project.routes(), settings());
        try (MongoClient c = MongoClients.create(uri)) {
            // no full to build on: skipped (never a full), nothing uploaded
            orders(c).insertOne(new Document("_id", 1));
            BackupApplication.Outcome none = app.runBackup("slice");
            assertThat(none.wasSkipped()).isTrue();
            assertThat(none.skipped()).contains("no full backup");
            assertThat(none.entry()).isNull();
            assertThat(cluster.content).isEmpty();
            try (var s = Files.list(work)) {
                assertThat(s.toList()).as("the skipped slice's work directory is removed").isEmpty();
            }

            BackupApplication.Outcome full = app.runBackup("full");
            assertThat(full.failure()).isNull();
            orders(c).insertOne(new Document("_id", 2));
            BackupApplication.Outcome s1 = app.runBackup("slice");
            assertThat(s1.failure()).isNull();
            ManifestEntry e1 = s1.entry();
            assertThat(e1.type()).isEqualTo("incremental");
            assertThat(e1.isSliceEntry()).isTrue();
            assertThat(e1.baseBackup()).isEqualTo(full.entry().cid());
            assertThat(e1.previous()).isEqualTo(full.entry().cid());
            assertThat(orderOps(e1.cid())).containsExactly("i2");

            // an interval without writes to the data: the slice still holds the service's own writes (the lock lease),
            // so its oplogEnd moves on and the restorable window reaches its start
            BackupApplication.Outcome quiet = app.runBackup("slice");
            assertThat(quiet.failure()).isNull();
            assertThat(orderOps(quiet.entry().cid())).isEmpty();
            assertThat(OplogPosition.parse(quiet.entry().oplogEnd())).isGreaterThan(OplogPosition.parse(e1.oplogEnd()));

            orders(c).insertOne(new Document("_id", 3));
            BackupApplication.Outcome s2 = app.runBackup("slice");
            assertThat(s2.entry().previous()).isEqualTo(quiet.entry().cid());
            assertThat(orderOps(s2.entry().cid())).containsExactly("i3");

            // the daily incremental continues after the last slice
            orders(c).insertOne(new Document("_id", 4));
            BackupApplication.Outcome inc = app.runBackup("incremental");
            assertThat(inc.entry().isSliceEntry()).isFalse();
            assertThat(inc.entry().slice()).isNull();
            assertThat(inc.entry().previous()).isEqualTo(s2.entry().cid());
            assertThat(orderOps(inc.entry().cid())).containsExactly("i4");

            List<ManifestEntry> all = manifest(c);
            List<ManifestEntry> chain = BackupChains.chainOf(all, full.entry());
            assertThat(chain).extracting(ManifestEntry::cid).containsExactly(full.entry().cid(), e1.cid(), quiet.entry().cid(),
                    s2.entry().cid(), inc.entry().cid());
            assertThat(chain).extracting(ManifestEntry::isSliceEntry).containsExactly(false, true, true, true, false);
            for (int i = 1; i < chain.size(); i++) {
                // each starts after the one before ends: no overlap; the dump checked the entry at the end is still there: no gap
                assertThat(OplogPosition.parse(chain.get(i).oplogStart())).isGreaterThan(OplogPosition.parse(chain.get(i - 1).oplogEnd()));
            }
            // the marker is kept in MongoDB
            assertThat(all.stream().filter(ManifestEntry::isSliceEntry).count()).isEqualTo(3);
        }
    }

    @Test
    void aSliceOnAnOplogGapFailsNamingTheGapUntilAFullRebasesTheChain() throws Exception {
        app = TestSettings.start(Project.routes(), settings()); // the daily incremental's fallback to a full stays on
        try (MongoClient c = MongoClients.create(uri)) {
            orders(c).insertOne(new Document("_id", 1));
            BackupApplication.Outcome full = app.runBackup("full");
            String fullEnd = full.entry().oplogEnd();
            // the oplog rolls over: every entry up to now is gone
            c.getDatabase("local").getCollection("oplog.rs").deleteMany(new Document());
            orders(c).insertOne(new Document("_id", 2));

            BackupApplication.Outcome gap = app.runBackup("slice");
            assertThat(gap.succeeded()).isFalse();
            assertThat(gap.fallbackReason()).as("a slice never becomes a full").isNull();
            assertThat(gap.failedStep()).isEqualTo("backup-dump");
            assertThat(gap.failure()).contains("oplog gap").contains(fullEnd).contains("no full runs in its place")
                    .contains("slices fail until the next full backup");
            BackupApplication.Outcome again = app.runBackup("slice");
            assertThat(again.succeeded()).isFalse();
            assertThat(again.failure()).contains("oplog gap").contains(fullEnd);
            assertThat(manifest(c)).extracting(ManifestEntry::type).containsExactly("full");
            try (var s = Files.list(work)) {
                assertThat(s.toList()).isEmpty();
            }

            // the daily incremental becomes a full on the gap: the next slice continues that new chain
            BackupApplication.Outcome rebased = app.runBackup("incremental");
            assertThat(rebased.entry().type()).isEqualTo("full");
            orders(c).insertOne(new Document("_id", 3));
            BackupApplication.Outcome after = app.runBackup("slice");
            assertThat(after.failure()).isNull();
            assertThat(after.entry().baseBackup()).isEqualTo(rebased.entry().cid());
            assertThat(orderOps(after.entry().cid())).containsExactly("i3");
        }
    }

    @Test
    void theSliceScheduleRunsOnlyInServiceModeWithSlicesEnabled() throws Exception {
        Map<String, String> m = settings();
        app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(), m,
                Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), true));
        assertThat(app.context().getRouteController().getRouteStatus("backup-slice-trigger").isStarted()).as("off by default").isFalse();
        app.close();
        m.put("backup.slices.enabled", "true");
        m.put("backup.slices.interval", "5m");
        app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(), m,
                Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), true));
        assertThat(app.context().getRouteController().getRouteStatus("backup-slice-trigger").isStarted()).isTrue();
        assertThat(app.context().getRoute("backup-slice-trigger").getEndpoint().getEndpointUri()).contains("period=300000");
        app.close();
        // one-shot commands (no schedules): not started even when enabled
        app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(), m,
                Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), false));
        assertThat(app.context().getRouteController().getRouteStatus("backup-slice-trigger").isStarted()).isFalse();
    }
}
