package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.ipfsbackup.archive.ArchiveEntryInfo;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.mongo.OplogPosition;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incrementals through the real routes, on mongo-java-server with its oplog (driver engine), cluster double. */
class IncrementalRouteTest {
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

    void start(boolean fallback) throws Exception {
        Map<String, String> o = TestSettings.routeTest(uri, cluster.url(), work);
        o.put("backup.incremental.fallback-to-full", Boolean.toString(fallback));
        app = TestSettings.start(Project.routes(), o);
    }

    MongoCollection<Document> orders(MongoClient c) {
        return c.getDatabase("shop").getCollection("orders");
    }

    List<String> archiveEntries(String cid) throws Exception {
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000);
        try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(cluster.content.get(cid)))) {
            return new TarGzExtractor(ExtractLimits.defaults()).list(in).stream().map(ArchiveEntryInfo::name).toList();
        }
    }

    /** The oplog entries inside an uploaded incremental. */
    List<Document> oplog(String cid) throws Exception {
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000);
        Path dir = Files.createTempDirectory(work.getParent(), "inc");
        try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(cluster.content.get(cid)))) {
            new TarGzExtractor(ExtractLimits.defaults()).extract(in, dir.resolve("x"));
        }
        List<Document> out = new java.util.ArrayList<>();
        try (var r = new org.ipfsbackup.restore.BsonFileReader(dir.resolve("x/oplog.bson"))) {
            for (org.bson.RawBsonDocument d : r) {
                out.add(Document.parse(d.toJson()));
            }
        }
        org.ipfsbackup.job.WorkDirectories.deleteTree(dir);
        return out;
    }

    @Test
    void incrementalsContinueTheChainWithNoGapAndNoOverlap() throws Exception {
        start(true);
        try (MongoClient c = MongoClients.create(uri)) {
            orders(c).insertOne(new Document("_id", 1).append("total", 10));
            BackupApplication.Outcome full = app.runBackup("full");
            assertThat(full.failure()).isNull();
            assertThat(full.entry().oplogEnd()).isNotNull();

            orders(c).insertOne(new Document("_id", 2).append("total", 20));
            orders(c).updateOne(Filters.eq("_id", 1), Updates.set("total", 11));
            orders(c).deleteOne(Filters.eq("_id", 2));
            BackupApplication.Outcome inc1 = app.runBackup("incremental");
            assertThat(inc1.failure()).isNull();
            ManifestEntry e1 = inc1.entry();
            assertThat(e1.type()).isEqualTo("incremental");
            assertThat(e1.fileName()).startsWith("incremental_backup_").endsWith(".tar.gz.enc");
            assertThat(e1.baseBackup()).isEqualTo(full.entry().cid());
            assertThat(e1.previous()).isEqualTo(full.entry().cid());
            assertThat(OplogPosition.parse(e1.oplogStart())).isGreaterThan(OplogPosition.parse(full.entry().oplogEnd()));
            assertThat(archiveEntries(e1.cid())).as("an incremental holds the oplog and its description").containsExactly("ipfs-backup.json", "oplog.bson");
            // the oplog is kept whole (as mongodump does): the manifest's own writes are in it too; the orders
            // changes are exactly the three made since the full
            List<Document> ops = oplog(e1.cid());
            assertThat(ops).hasSize(e1.oplogOperations().intValue());
            assertThat(ops.stream().filter(d -> "shop.orders".equals(d.getString("ns"))).map(d -> d.getString("op")))
                    .containsExactly("i", "u", "d");

            orders(c).insertOne(new Document("_id", 3).append("total", 30));
            BackupApplication.Outcome inc2 = app.runBackup("incremental");
            assertThat(inc2.entry().previous()).isEqualTo(e1.cid());
            assertThat(inc2.entry().baseBackup()).isEqualTo(full.entry().cid());
            assertThat(oplog(inc2.entry().cid()).stream().filter(d -> "shop.orders".equals(d.getString("ns"))).map(d -> d.get("o", Document.class).get("_id")))
                    .containsExactly(3);
            assertThat(OplogPosition.parse(inc2.entry().oplogStart())).isGreaterThan(OplogPosition.parse(e1.oplogEnd()));

            BackupApplication.Outcome next = app.runBackup("incremental");
            assertThat(next.failure()).isNull();
            assertThat(oplog(next.entry().cid())).noneMatch(d -> "shop.orders".equals(d.getString("ns")));
        }
    }

    @Test
    void anotherInstanceHoldingTheLeaseMakesIncrementalsAndRetentionSkipAndFullsWait() throws Exception {
        start(true);
        try (MongoClient c = MongoClients.create(uri)) {
            org.ipfsbackup.job.BackupLock other = org.ipfsbackup.job.BackupLock.inDatabase(c.getDatabase("ipfs_backup"), java.time.Clock.systemUTC());
            assertThat(other.tryAcquire("full")).isTrue();
            try {
                BackupApplication.Outcome inc = app.runBackup("incremental");
                assertThat(inc.wasSkipped()).isTrue();
                assertThat(inc.skipped()).contains("full").contains(other.owner());
                assertThat(app.runRetention(null).skipped()).contains(other.owner());
            } finally {
                other.release();
                other.close();
            }
            orders(c).insertOne(new Document("_id", 1));
            assertThat(app.runBackup("full").failure()).isNull();
        }
        assertThat(cluster.content).isNotEmpty();
    }

    @Test
    void withoutAFullTheIncrementalBecomesAFull() throws Exception {
        start(true);
        try (MongoClient c = MongoClients.create(uri)) {
            orders(c).insertOne(new Document("_id", 1));
        }
        BackupApplication.Outcome o = app.runBackup("incremental");
        assertThat(o.failure()).isNull();
        assertThat(o.fallbackReason()).contains("no full backup");
        assertThat(o.entry().type()).isEqualTo("full");
        assertThat(o.entry().fileName()).startsWith("full_backup_");
    }

    @Test
    void brokenChainFallsBackToAFullOrFailsWithTheReason() throws Exception {
        start(true);
        try (MongoClient c = MongoClients.create(uri)) {
            orders(c).insertOne(new Document("_id", 1));
            assertThat(app.runBackup("full").failure()).isNull();
            orders(c).insertOne(new Document("_id", 2));
            // the oplog rolls over: every entry up to now is gone
            c.getDatabase("local").getCollection("oplog.rs").deleteMany(new Document());
            orders(c).insertOne(new Document("_id", 3));

            BackupApplication.Outcome o = app.runBackup("incremental");
            assertThat(o.failure()).isNull();
            assertThat(o.fallbackReason()).contains("incremental chain broken");
            assertThat(o.entry().type()).isEqualTo("full");
            assertThat(archiveEntries(o.entry().cid())).contains("shop/orders.bson");

            app.close();
            start(false);
            c.getDatabase("local").getCollection("oplog.rs").deleteMany(new Document());
            orders(c).insertOne(new Document("_id", 4));
            BackupApplication.Outcome failed = app.runBackup("incremental");
            assertThat(failed.succeeded()).isFalse();
            assertThat(failed.failedStep()).isEqualTo("backup-dump");
            assertThat(failed.failure()).containsIgnoringCase("oplog");
            try (var s = Files.list(work)) {
                assertThat(s.toList()).isEmpty();
            }
        }
    }
}
