package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a crash: pins of ours that the manifest does not know are adopted when they verify and fit the manifest,
 * unpinned otherwise, at the next start; nothing else is touched.
 */
class RecoveryRouteTest {
    InJvmMongo mongo;
    FakeCluster cluster;
    BackupApplication app;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(true);
        cluster = new FakeCluster();
        Map<String, String> o = TestSettings.routeTest(mongo.uri(), cluster.url(), dir.resolve("work"));
        o.put("dump.oplog", "false");
        o.put("ipfs.nodes", cluster.url());
        app = TestSettings.start(Project.routes(), o);
    }

    @AfterEach
    void tearDown() {
        app.close();
        cluster.close();
        mongo.close();
    }

    void pin(String cid, String name, Instant at) {
        cluster.content.put(cid, new byte[] {1});
        cluster.names.put(cid, name);
        cluster.pinnedAt.put(cid, at);
    }

    @Test
    void orphansOfACrashedBackupAreUnpinnedRecordedAndForeignPinsStay() throws Exception {
        var recorded = app.runBackup("full").entry(); // recorded backup and its manifest: known
        Instant old = Instant.now().minus(Duration.ofHours(3));
        pin("bafkreiorphanfull", "full_backup_2026-11-27_020000.tar.gz.enc", old);
        pin("bafkreiorphanmanifest", "manifest_2026-11-27_020001.json.enc", old);
        pin("bafkreiyoung", "incremental_backup_2026-11-27_030000.tar.gz.enc", Instant.now());
        pin("bafkreiforeign", "holiday.jpg", old);

        var actions = app.runRecovery();
        assertThat(actions).extracting(a -> a.pin().cid()).containsExactlyInAnyOrder("bafkreiorphanfull", "bafkreiorphanmanifest");
        assertThat(actions).allMatch(OrphanAction::unpinned);
        assertThat(cluster.content).doesNotContainKeys("bafkreiorphanfull", "bafkreiorphanmanifest")
                .containsKeys("bafkreiyoung", "bafkreiforeign", recorded.cid());
        assertThat(((io.micrometer.prometheusmetrics.PrometheusMeterRegistry) app.metrics().registry()).scrape()).contains("ipfs_backup_unpins_total{reason=\"orphan\"} 2.0");
    }

    MongoClient client() {
        return MongoClients.create(mongo.uri());
    }

    ManifestStore repo(MongoClient c) {
        return new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history");
    }

    /** The crash: the upload is in the cluster, its entry never written; an hour later the next start looks. */
    void forget(MongoClient c, ManifestEntry e) {
        assertThat(repo(c).withdraw(e.cid())).isTrue();
        cluster.pinnedAt.put(e.cid(), Instant.now().minus(Duration.ofHours(2)));
    }

    @Test
    void aCompleteUploadWhoseEntryWasNeverWrittenIsAdoptedWithTheEntryTheRecordStepWouldHaveWritten() throws Exception {
        ManifestEntry original = app.runBackup("full").entry();
        try (MongoClient c = client()) {
            forget(c, original);
            var actions = app.runRecovery();
            assertThat(actions).singleElement().satisfies(a -> {
                assertThat(a.adopted()).isTrue();
                assertThat(a.pin().cid()).isEqualTo(original.cid());
                assertThat(a.describe()).contains(original.fileName()).contains("adopted");
            });
            ManifestEntry adopted = repo(c).find(original.cid()).orElseThrow();
            assertThat(adopted).usingRecursiveComparison().ignoringFields("durationMs", "peers").isEqualTo(original);
            assertThat(adopted.peers()).containsExactlyInAnyOrderElementsOf(original.peers());
            assertThat(cluster.content).containsKey(original.cid());
            // a new manifest version names it, and the adopted backup restores like any other
            assertThat(repo(c).headManifestCid()).isPresent();
        }
        assertThat(app.runRecovery()).as("nothing left to do").isEmpty();
        try (var s = java.nio.file.Files.list(dir.resolve("work"))) {
            assertThat(s.toList()).as("no temp files").isEmpty();
        }
    }

    @Test
    void anIncrementalWhosePlaceInTheChainWasTakenIsUnpinnedNotAdopted() throws Exception {
        app.close();
        Map<String, String> o = TestSettings.routeTest(mongo.uri(), cluster.url(), dir.resolve("work"));
        o.put("ipfs.nodes", cluster.url());
        app = TestSettings.start(Project.routes(), o); // with the oplog, so incrementals chain
        ManifestEntry full = app.runBackup("full").entry();
        try (MongoClient c = client()) {
            c.getDatabase("shop").getCollection("orders").insertOne(new org.bson.Document("_id", 2));
            ManifestEntry lost = app.runBackup("incremental").entry();
            assertThat(lost.previous()).isEqualTo(full.cid());
            forget(c, lost);
            // backup names have second precision: the next one must not share the lost one's name
            org.awaitility.Awaitility.await().until(() -> Instant.now().getEpochSecond() > lost.timestamp().getEpochSecond());
            c.getDatabase("shop").getCollection("orders").insertOne(new org.bson.Document("_id", 3));
            ManifestEntry next = app.runBackup("incremental").entry();
            assertThat(next.previous()).as("the chain went on without the lost one").isEqualTo(full.cid());

            var actions = app.runRecovery();
            assertThat(actions).singleElement().satisfies(a -> {
                assertThat(a.unpinned()).isTrue();
                assertThat(a.reason()).contains("fork the chain").contains(next.fileName());
            });
            assertThat(cluster.content).doesNotContainKey(lost.cid());
            assertThat(repo(c).find(lost.cid())).isEmpty();
            assertThat(repo(c).find(next.cid())).isPresent();
        }
    }

    @Test
    void anUploadThatDoesNotDecryptIsUnpinnedAndSaysWhy() throws Exception {
        pin("bafkreigarbage", "full_backup_2026-11-27_020000.tar.gz.enc", Instant.now().minus(Duration.ofHours(3)));
        var actions = app.runRecovery();
        assertThat(actions).singleElement().satisfies(a -> {
            assertThat(a.unpinned()).isTrue();
            assertThat(a.reason()).startsWith("adoption failed");
        });
        assertThat(cluster.content).doesNotContainKey("bafkreigarbage");
    }

    @Test
    void anUploadNoNodeCanGiveNowIsLeftForTheNextStart() throws Exception {
        ManifestEntry original = app.runBackup("full").entry();
        app.close();
        Map<String, String> o = TestSettings.routeTest(mongo.uri(), cluster.url(), dir.resolve("work"));
        o.put("ipfs.nodes", "http://127.0.0.1:9"); // the IPFS node is down at this start
        app = TestSettings.start(Project.routes(), o);
        try (MongoClient c = client()) {
            forget(c, original);
            assertThat(app.runRecovery()).singleElement().satisfies(a -> {
                assertThat(a.kept()).isTrue();
                assertThat(a.reason()).contains("next start").contains("cannot be downloaded now");
            });
            assertThat(cluster.content).containsKey(original.cid());
        }
    }

    @Test
    void manifestVersionsUnknownAfterTheHistoryWasLostAreKeptAndListedAgain() throws Exception {
        String m1 = app.runBackup("full").manifestCid();
        String m2 = app.runBackup("full").manifestCid();
        String m3 = app.runBackup("full").manifestCid();
        try (MongoClient c = client()) {
            var history = c.getDatabase("ipfs_backup").getCollection("manifest_history");
            history.drop();
            for (String m : java.util.List.of(m1, m2, m3)) {
                cluster.pinnedAt.put(m, Instant.now().minus(Duration.ofHours(2)));
            }
            pin("bafkreistraymanifest", "manifest_2026-11-27_020001.json.enc", Instant.now().minus(Duration.ofHours(3)));

            var actions = app.runRecovery();
            assertThat(actions).filteredOn(a -> a.pin().cid().equals(m1) || a.pin().cid().equals(m2)).hasSize(2)
                    .allSatisfy(a -> assertThat(a.kept()).as(a.describe()).isTrue());
            assertThat(actions).filteredOn(a -> a.pin().cid().equals("bafkreistraymanifest")).singleElement()
                    .satisfies(a -> assertThat(a.unpinned()).isTrue());
            assertThat(cluster.content).containsKeys(m1, m2, m3).doesNotContainKey("bafkreistraymanifest");
            // listed again, with their links: the next start and retention know them
            var listed = history.find().into(new java.util.ArrayList<>());
            assertThat(listed).extracting(d -> d.getString("_id")).containsExactlyInAnyOrder(m1, m2);
            assertThat(listed).filteredOn(d -> d.getString("_id").equals(m2)).singleElement()
                    .satisfies(d -> assertThat(d.getString("previous")).isEqualTo(m1));
        }
        assertThat(app.runRecovery()).as("nothing left to do").isEmpty();
    }
}
