package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.mongo.OplogPosition;
import org.ipfsbackup.restore.DatabaseComparator;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous oplog slices on the real stack (issue 14 item 1): a full, writes, a slice (`ipfs-backup backup slice`),
 * writes, a second slice (direct:backup-slice); {@code restore --at} a second inside the second slice gives exactly
 * the source's documents at that second; list, status and verify show and cover the slices. A slice that meets an
 * oplog gap fails with an alert mail naming the gap, again at the next slice, until a full starts a new chain.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class SliceStackTest {
    static final String OPS = "ops-slices@devstack.test";

    @TempDir
    Path tmp;

    StackApp stackApp(LocalStack stack) throws Exception {
        Map<String, String> o = new HashMap<>();
        TestSettings.withStackAlerts(o, stack.env(), OPS, tmp.resolve("spool"));
        return new StackApp(stack, tmp, o);
    }

    BackupApplication start(StackApp s) throws Exception {
        return BackupApplication.start(new BackupApplication.Options(s.config, Project.routes(), Map.of(), TestSettings.stackSecrets(s.env), false));
    }

    /** Every collection of {@code db}, documents in _id order. */
    static Map<String, List<Document>> snapshot(MongoDatabase db) {
        Map<String, List<Document>> m = new java.util.TreeMap<>();
        for (String c : db.listCollectionNames().into(new ArrayList<>())) {
            m.put(c, PointInTimeStackTest.docs(db.getCollection(c)));
        }
        return m;
    }

    @Test
    void restoreAtASecondInsideTheSecondSliceGivesTheSourceAtThatSecond(LocalStack stack) throws Exception {
        StackApp s = stackApp(stack);
        try (MongoClient source = MongoClients.create(s.env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(s.env.get("RESTORE_MONGODB_URI"));
             BackupApplication app = start(s)) {
            MongoDatabase db = source.getDatabase("pitrslice");
            db.drop();
            MongoCollection<Document> items = db.getCollection("items");
            MongoCollection<Document> events = db.getCollection("events");
            for (int i = 0; i < 20; i++) {
                items.insertOne(new Document("_id", i).append("v", "full" + i));
            }
            BackupApplication.Outcome full = app.runBackup("full");
            assertThat(full.failure()).isNull();

            // slice 1 (the CLI an operator uses): inserts, an update, a delete, a new collection
            items.insertOne(new Document("_id", 100).append("v", "s1"));
            items.updateOne(Filters.eq("_id", 1), Updates.set("v", "s1-changed"));
            items.deleteOne(Filters.eq("_id", 2));
            events.insertOne(new Document("_id", "e1").append("at", "s1"));
            StackApp.Run cliSlice = s.cli("backup", "slice", "--json");
            assertThat(cliSlice.code()).as(cliSlice.all()).isZero();
            JsonNode s1 = new ObjectMapper().readTree(cliSlice.out());
            assertThat(s1.get("type").asText()).isEqualTo("incremental");
            assertThat(s1.get("slice").asBoolean()).isTrue();
            assertThat(s1.get("previous").asText()).isEqualTo(full.entry().cid());

            // slice 2 (the schedule's entry point): writes before and after the second t
            items.insertOne(new Document("_id", 200).append("v", "s2-before"));
            items.updateOne(Filters.eq("_id", 3), Updates.set("v", "s2-before"));
            events.deleteOne(Filters.eq("_id", "e1"));
            Instant t = PointInTimeStackTest.nextSecondAfter(Instant.now());
            Map<String, List<Document>> atT = snapshot(db);
            PointInTimeStackTest.nextSecondAfter(t);
            items.insertOne(new Document("_id", 201).append("v", "s2-after"));
            items.updateOne(Filters.eq("_id", 3), Updates.set("v", "s2-after"));
            items.deleteOne(Filters.eq("_id", 4));
            BackupApplication.Outcome s2 = app.runBackup("slice");
            assertThat(s2.failure()).isNull();
            ManifestEntry e2 = s2.entry();
            System.out.println("slice 1: " + s1.get("size") + " bytes, " + s1.get("oplogOperations") + " oplog entries, " + s1.get("durationMs")
                    + " ms (CLI); slice 2: " + e2.size() + " bytes, " + e2.oplogOperations() + " oplog entries, " + e2.durationMs() + " ms");
            assertThat(e2.isSliceEntry()).isTrue();
            assertThat(e2.previous()).isEqualTo(s1.get("cid").asText());
            assertThat(e2.baseBackup()).isEqualTo(full.entry().cid());
            // no gap, no overlap: the second slice starts right after the first one's end, and covers t
            assertThat(OplogPosition.parse(e2.oplogStart())).isGreaterThan(OplogPosition.parse(s1.get("oplogEnd").asText()));
            assertThat(OplogPosition.parse(s1.get("oplogEnd").asText()).seconds()).isLessThan(t.getEpochSecond());
            assertThat(OplogPosition.parse(e2.oplogEnd()).seconds()).isGreaterThan(t.getEpochSecond());

            StackApp.Run r = s.cli("restore", "--at", t.toString(), "--target-uri", s.env.get("RESTORE_MONGODB_URI"), "--drop", "--json");
            assertThat(r.code()).as(r.all()).isZero();
            JsonNode plan = new ObjectMapper().readTree(r.out());
            assertThat(plan.get("full").asText()).isEqualTo(full.entry().cid());
            assertThat(plan.get("incrementals")).hasSize(2);
            assertThat(snapshot(target.getDatabase("pitrslice"))).as("every document at " + t).isEqualTo(atT);
            List<String> others = new ArrayList<>(full.entry().databases());
            others.remove("pitrslice");
            assertThat(DatabaseComparator.compare(source, target, others).differences()).as("the databases no slice changed").isEmpty();

            // list marks the slices, status shows the newest slice and a window up to the last slice's end
            StackApp.Run list = s.cli("list");
            assertThat(list.out()).containsPattern("(?m)^slice\\s+\\S+\\s+" + e2.cid());
            StackApp.Run status = s.cli("status", "--json");
            JsonNode st = new ObjectMapper().readTree(status.out());
            assertThat(st.at("/lastSuccess/slice/cid").asText()).isEqualTo(e2.cid());
            Instant windowTo = Instant.parse(st.at("/window/to").asText());
            assertThat(windowTo).isAfterOrEqualTo(t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).isBefore(Instant.ofEpochSecond(OplogPosition.parse(e2.oplogEnd()).seconds() + 1));
            // verify downloads and checks a slice like any backup
            StackApp.Run verify = s.cli("verify", e2.cid());
            assertThat(verify.code()).as(verify.all()).isZero();
            assertThat(verify.out()).startsWith("OK");
        }
    }

    @Test
    void aSliceOnAnOplogGapFailsWithAnAlertNamingItUntilAFullStartsANewChain(LocalStack stack) throws Exception {
        StackApp s = stackApp(stack);
        try (MongoClient source = MongoClients.create(s.env.get("MONGODB_URI"));
             BackupApplication app = start(s)) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            MongoCollection<Document> items = source.getDatabase("pitrslice").getCollection("gap");
            items.drop();
            items.insertOne(new Document("_id", 1));
            assertThat(app.runBackup("full").failure()).isNull();
            // the newest chain ends at an oplog position the oplog no longer holds (as after a roll-over of the capped
            // oplog): a chain's end recorded long ago, so the real oplog's oldest entry is newer than it
            Instant now = Instant.now();
            String lost = "1:1";
            ManifestEntry old = ManifestEntry.full("bafkreigapgapgapgapgapgapgapgapgapgapgapgapgapgapgapgapgapgap", now)
                    .file("full_backup_gap.tar.gz.enc", 1, "00".repeat(32)).oplog(lost, lost, 0L).peers(List.of()).build();
            repo.insert(old);
            try {
                int before = repo.all().size();
                items.insertOne(new Document("_id", 2));
                BackupApplication.Outcome gap = app.runBackup("slice");
                assertThat(gap.succeeded()).isFalse();
                assertThat(gap.fallbackReason()).as("a slice never becomes a full").isNull();
                assertThat(gap.failedStep()).isEqualTo("backup-dump");
                assertThat(gap.failure()).contains("oplog gap").contains("the oldest entry still in local.oplog.rs is").contains("newer than " + lost);
                String oldest = gap.failure().replaceAll("(?s).*local\\.oplog\\.rs is (\\S+),.*", "$1");
                assertThat(OplogPosition.parse(oldest)).isGreaterThan(OplogPosition.parse(lost));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> bodies(s.env, OPS).stream()
                        .anyMatch(b -> b.contains("oplog gap") && b.contains(lost) && b.contains(oldest)));

                // the next slice fails the same way: still no full in its place, nothing recorded
                BackupApplication.Outcome again = app.runBackup("slice");
                assertThat(again.succeeded()).isFalse();
                assertThat(again.failure()).contains("oplog gap").contains(lost);
                assertThat(repo.all()).hasSize(before);
                StackApp.Run status = s.cli("status", "--json");
                assertThat(new ObjectMapper().readTree(status.out()).at("/lastFailure/slice/error").asText()).contains("oplog gap");

                // a full re-bases: the next slice continues the new chain
                BackupApplication.Outcome full = app.runBackup("full");
                assertThat(full.failure()).isNull();
                items.insertOne(new Document("_id", 3));
                BackupApplication.Outcome ok = app.runBackup("slice");
                assertThat(ok.failure()).isNull();
                assertThat(ok.entry().baseBackup()).isEqualTo(full.entry().cid());
            } finally {
                repo.withdraw(old.cid());
            }
        }
    }

    /** The text of every mail in the stack's GreenMail INBOX of {@code to}, read over IMAP. */
    static List<String> bodies(Map<String, String> env, String to) throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.connectiontimeout", "5000");
        p.put("mail.imap.timeout", "5000");
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(env.get("IMAP_HOST"), Integer.parseInt(env.get("IMAP_PORT")), to, "any");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try {
                List<String> out = new ArrayList<>();
                for (Message m : inbox.getMessages()) {
                    out.add(m.getSubject() + "\n" + com.icegreen.greenmail.util.GreenMailUtil.getBody(m));
                }
                return out;
            } finally {
                inbox.close(false);
            }
        } finally {
            store.close();
        }
    }
}
