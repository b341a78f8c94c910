package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.drill.CollectionDigest;
import org.ipfsbackup.manifest.ManifestEntry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore drills on the real stack: the content digests a full backup records are the same with both dump engines;
 * {@code drill} restores the newest chain into the stack's restore server, finds every collection equal, records the
 * outcome on the full's manifest entry and drops what it restored; with an incremental in the chain it still passes;
 * a digest tampered in the manifest makes it fail naming the collection; the source is refused as a target.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class DrillStackTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    static CollectionDigest digestOf(ManifestEntry e, String ns) {
        return e.contentDigests().stream().filter(d -> d.namespace().equals(ns)).findFirst().orElseThrow(
                () -> new AssertionError("no digest of " + ns + " in " + e.contentDigests()));
    }

    @Test
    void aBackupThenADrillPassesAndATamperedDigestFailsNamingTheCollection(LocalStack stack) throws Exception {
        Files.createDirectories(tmp.resolve("auto"));
        Files.createDirectories(tmp.resolve("driver"));
        StackApp app = new StackApp(stack, tmp.resolve("auto"), Map.of());
        StackApp driverApp = new StackApp(stack, tmp.resolve("driver"), Map.of("dump.engine", "driver"));
        Map<String, String> env = app.env;
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<Document> items = source.getDatabase("drill").getCollection("items");
            items.drop();
            List<Document> docs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                docs.add(new Document("_id", i).append("v", "item " + i).append("n", (long) i * 3).append("tags", List.of("a", "b" + i)));
            }
            items.insertMany(docs);

            // the digests are the same whichever engine dumped (driver: while reading; mongodump: from its .bson files)
            ManifestEntry viaDriver = driverApp.backup("full").entry();
            ManifestEntry viaMongodump = app.backup("full").entry();
            assertThat(viaDriver.engine()).isEqualTo("driver");
            assertThat(viaMongodump.engine()).isEqualTo("mongodump");
            assertThat(digestOf(viaDriver, "drill.items").documents()).isEqualTo(200);
            assertThat(digestOf(viaMongodump, "drill.items")).isEqualTo(digestOf(viaDriver, "drill.items"));

            // the source is never a drill target
            StackApp.Run refused = app.cli("drill", "--target-uri", env.get("MONGODB_URI"));
            assertThat(refused.code()).as(refused.err()).isEqualTo(2);
            assertThat(refused.err()).contains("is the source");

            StackApp.Run pass = app.cli("drill", "--target-uri", env.get("RESTORE_MONGODB_URI"), "--json");
            assertThat(pass.code()).as(pass.err() + pass.out()).isZero();
            JsonNode j = JSON.readTree(pass.out());
            assertThat(j.get("verified").asBoolean()).isTrue();
            assertThat(j.get("full").asText()).isEqualTo(viaMongodump.cid());
            assertThat(j.get("incrementals").asInt()).isZero();
            assertThat(j.get("collections").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(j.get("differences")).isEmpty();
            ManifestEntry recorded = manifestEntry(source, viaMongodump.cid());
            assertThat(recorded.drill()).isEqualTo("pass");
            assertThat(recorded.drillMs()).isPositive();
            assertThat(recorded.lastDrillAt()).isNotNull();
            assertThat(target.listDatabaseNames().into(new ArrayList<>())).as("scratch data dropped").doesNotContain("drill");

            // a chain with an incremental: the full is proved at its own point, the chain restored to its end
            items.updateOne(Filters.eq("_id", 1), new Document("$set", new Document("v", "changed")));
            items.insertOne(new Document("_id", 1000).append("v", "late"));
            ManifestEntry inc = app.backup("incremental").entry();
            assertThat(inc.baseBackup()).isEqualTo(viaMongodump.cid());
            StackApp.Run chain = app.cli("drill", "--target-uri", env.get("RESTORE_MONGODB_URI"), "--json");
            assertThat(chain.code()).as(chain.err() + chain.out()).isZero();
            assertThat(JSON.readTree(chain.out()).get("incrementals").asInt()).isEqualTo(1);
            assertThat(chain.err()).contains("restored to its end");

            // a digest tampered in the manifest: the drill fails and names the collection
            MongoCollection<Document> backups = source.getDatabase("ipfs_backup").getCollection("backups");
            Document entry = backups.find(Filters.eq("_id", viaMongodump.cid())).first();
            List<Document> digests = new ArrayList<>(entry.getList("contentDigests", Document.class));
            for (Document d : digests) {
                if (d.getString("ns").equals("drill.items")) {
                    d.put("digest", "0".repeat(63) + "1");
                }
            }
            backups.updateOne(Filters.eq("_id", viaMongodump.cid()), new Document("$set", new Document("contentDigests", digests)));
            StackApp.Run fail = app.cli("drill", "--target-uri", env.get("RESTORE_MONGODB_URI"), "--json");
            assertThat(fail.code()).as(fail.err() + fail.out()).isEqualTo(1);
            JsonNode f = JSON.readTree(fail.out());
            assertThat(f.get("verified").asBoolean()).isFalse();
            assertThat(f.get("differences").toString()).contains("drill.items: same 200 documents counted but their digest differs");
            assertThat(manifestEntry(source, viaMongodump.cid()).drill()).startsWith("fail: drill.items: ");
            assertThat(target.listDatabaseNames().into(new ArrayList<>())).doesNotContain("drill");
        }
    }

    /**
     * The scheduled route (direct:drill, RESTORE_DRILL_TARGET_URI set): a pass is recorded and counted; after a digest
     * is tampered in the manifest the next drill fails, is recorded, counted, and alerts naming the collection.
     */
    @Test
    void theDrillRouteRecordsCountsAndAlertsAFailure(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String ops = "drill-" + System.nanoTime() + "@devstack.test";
        Map<String, String> o = new java.util.HashMap<>(org.ipfsbackup.testing.TestSettings.stack(env, tmp.resolve("work")));
        o.put("restore-drill.target-uri", env.get("RESTORE_MONGODB_URI"));
        o.put("retention.after-backup", "false");
        org.ipfsbackup.testing.TestSettings.withStackAlerts(o, env, ops, tmp.resolve("spool"));
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             var app = org.ipfsbackup.testing.TestSettings.startOnStack(org.ipfsbackup.testing.Project.routes(), o, env)) {
            MongoCollection<Document> items = source.getDatabase("drill").getCollection("routed");
            items.drop();
            items.insertMany(List.of(new Document("_id", "a").append("v", 1), new Document("_id", "b").append("v", 2)));
            var backup = app.runBackup("full");
            assertThat(backup.failure()).isNull();
            String cid = backup.entry().cid();
            assertThat(digestOf(backup.entry(), "drill.routed").documents()).isEqualTo(2);

            app.runDrill();
            assertThat(manifestEntry(source, cid).drill()).isEqualTo("pass");
            assertThat(app.metrics().registry().get("ipfs.backup.drills").tag("outcome", "success").counter().count()).isEqualTo(1.0);

            MongoCollection<Document> backups = source.getDatabase("ipfs_backup").getCollection("backups");
            List<Document> digests = new ArrayList<>(backups.find(Filters.eq("_id", cid)).first().getList("contentDigests", Document.class));
            digests.stream().filter(d -> d.getString("ns").equals("drill.routed")).forEach(d -> d.put("documents", 3L));
            backups.updateOne(Filters.eq("_id", cid), new Document("$set", new Document("contentDigests", digests)));
            app.runDrill();
            assertThat(manifestEntry(source, cid).drill()).isEqualTo("fail: drill.routed: 2 documents restored, 3 backed up");
            assertThat(app.metrics().registry().get("ipfs.backup.drills").tag("outcome", "failure").counter().count()).isEqualTo(1.0);
            assertThat(app.metrics().registry().get("ipfs.backup.drill.duration").gauge().value()).isPositive();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> FaultStackTest.subjects(env, ops).stream().anyMatch(s -> s.contains("restore drill failure")));
        }
    }

    static ManifestEntry manifestEntry(MongoClient source, String cid) {
        return new org.ipfsbackup.manifest.ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history")
                .find(cid).orElseThrow();
    }
}
