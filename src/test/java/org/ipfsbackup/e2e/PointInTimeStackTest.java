package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.cli.Main;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.restore.CompareResult;
import org.ipfsbackup.restore.DatabaseComparator;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incrementals and point-in-time restore on the real local stack, driven through the command line an operator uses:
 * write A, full backup, write B, note t, write C, incremental; {@code restore --at t} gives exactly A+B,
 * {@code restore latest} gives A+B+C, including updates and deletes. Also a chain of a full and three incrementals,
 * restore from the manifest CID alone, and refusals that leave the target untouched.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class PointInTimeStackTest {
    @TempDir
    Path tmp;

    Map<String, String> env;
    Path config;

    void setUp(LocalStack stack) throws Exception {
        env = stack.env();
        config = tmp.resolve("stack.properties");
        Files.write(config, TestSettings.stack(env, tmp.resolve("work")).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    BackupApplication.Outcome backup(String type) throws Exception {
        return backup(config, type, env);
    }

    /** One backup of {@code type} with the configuration file {@code config}; it must succeed as that type. */
    static BackupApplication.Outcome backup(Path config, String type, Map<String, String> env) throws Exception {
        try (BackupApplication app = BackupApplication.start(new BackupApplication.Options(config, Project.routes(), Map.of(),
                TestSettings.stackSecrets(env), false))) {
            BackupApplication.Outcome o = app.runBackup(type);
            assertThat(o.failure()).as(type + " backup").isNull();
            assertThat(o.fallbackReason()).as("no fallback to full").isNull();
            return o;
        }
    }

    record Run(int code, String out, String err) {
    }

    Run cli(Map<String, String> extraEnv, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> e = new HashMap<>(TestSettings.stackSecrets(env));
        e.putAll(extraEnv);
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--config");
        a.add(config.toString());
        int code = Main.execute(e, new PrintWriter(out, true), new PrintWriter(err, true), a.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static List<Document> docs(MongoCollection<Document> c) {
        return c.find().sort(Sorts.ascending("_id")).into(new ArrayList<>());
    }

    /** Waits (without sleeping blindly) until the wall clock is in a later second than {@code t}. */
    static Instant nextSecondAfter(Instant t) {
        Awaitility.await().pollInterval(Duration.ofMillis(20)).atMost(Duration.ofSeconds(5))
                .until(() -> Instant.now().getEpochSecond() > t.getEpochSecond());
        return Instant.now();
    }

    @Test
    void pointInTimeAndLatestRestoreExactly(LocalStack stack) throws Exception {
        setUp(stack);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<Document> items = source.getDatabase("pitr").getCollection("items");
            items.drop();
            // A
            items.insertMany(List.of(new Document("_id", 1).append("v", "a1"), new Document("_id", 2).append("v", "a2"),
                    new Document("_id", 3).append("v", "a3").append("nested", new Document("k", List.of(1, 2, 3)))));
            BackupApplication.Outcome full = backup("full");
            // B
            items.insertOne(new Document("_id", 4).append("v", "b4"));
            items.updateOne(Filters.eq("_id", 1), Updates.set("v", "b1"));
            items.deleteOne(Filters.eq("_id", 2));
            List<Document> stateB = docs(items);
            Instant t = nextSecondAfter(Instant.now());
            nextSecondAfter(t);
            // C
            items.insertOne(new Document("_id", 5).append("v", "c5"));
            items.updateOne(Filters.eq("_id", 3), Updates.set("nested.k", List.of(9)));
            items.deleteOne(Filters.eq("_id", 4));
            List<Document> stateC = docs(items);
            BackupApplication.Outcome inc = backup("incremental");
            assertThat(inc.entry().baseBackup()).isEqualTo(full.entry().cid());
            assertThat(inc.entry().previous()).isEqualTo(full.entry().cid());

            Run atT = cli(Map.of(), "restore", "--at", t.toString(), "--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop", "--json");
            assertThat(atT.code()).as(atT.err()).isZero();
            assertThat(docs(target.getDatabase("pitr").getCollection("items"))).isEqualTo(stateB);
            JsonNode j = new ObjectMapper().readTree(atT.out());
            assertThat(j.get("full").asText()).isEqualTo(full.entry().cid());
            assertThat(j.get("incrementals")).hasSize(1);

            Run latest = cli(Map.of(), "restore", "latest", "--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop");
            assertThat(latest.code()).as(latest.err()).isZero();
            assertThat(docs(target.getDatabase("pitr").getCollection("items"))).isEqualTo(stateC);
            CompareResult c = DatabaseComparator.compare(source, target, full.entry().databases());
            assertThat(c.differences()).isEmpty();

            // list shows the chain
            Run list = cli(Map.of(), "list", "--json");
            assertThat(list.code()).isZero();
            JsonNode rows = new ObjectMapper().readTree(list.out());
            assertThat(rows.findValuesAsText("cid")).contains(full.entry().cid(), inc.entry().cid());
        }
    }

    @Test
    void aFullAndThreeIncrementalsRestoreTheSourceFromTheManifestCidAlone(LocalStack stack) throws Exception {
        setUp(stack);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<Document> chain = source.getDatabase("pitr").getCollection("chain");
            chain.drop();
            chain.insertOne(new Document("_id", 0).append("n", 0));
            BackupApplication.Outcome full = backup("full");
            String previous = full.entry().cid();
            String manifestCid = null;
            for (int i = 1; i <= 3; i++) {
                chain.insertOne(new Document("_id", i).append("n", i));
                chain.updateOne(Filters.eq("_id", i - 1), Updates.inc("n", 100));
                if (i == 2) {
                    chain.deleteOne(Filters.eq("_id", 0));
                }
                BackupApplication.Outcome inc = backup("incremental");
                ManifestEntry e = inc.entry();
                assertThat(e.previous()).isEqualTo(previous);
                assertThat(e.baseBackup()).isEqualTo(full.entry().cid());
                previous = e.cid();
                manifestCid = inc.manifestCid();
            }
            Run r = cli(Map.of(), "restore", "latest", "--manifest-cid", manifestCid, "--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop",
                    "--json");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(new ObjectMapper().readTree(r.out()).get("incrementals")).hasSize(3);
            assertThat(docs(target.getDatabase("pitr").getCollection("chain"))).isEqualTo(docs(chain));
            assertThat(DatabaseComparator.compare(source, target, full.entry().databases()).differences()).isEmpty();

            Run verify = cli(Map.of(), "verify", previous);
            assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
            assertThat(verify.out()).startsWith("OK");
        }
    }

    @Test
    void badInputsAreRefusedAndTheTargetIsUntouched(LocalStack stack) throws Exception {
        setUp(stack);
        backup("full");
        try (MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<Document> marker = target.getDatabase("operator").getCollection("keep");
            marker.drop();
            marker.insertOne(new Document("_id", "untouched"));
            List<String> before = target.listDatabaseNames().into(new ArrayList<>());

            Run wrongKey = cli(Map.of("BACKUP_ENCRYPTION_KEY", "a-different-key-0123456789-abcdefghijklmn"), "restore", "latest",
                    "--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop");
            assertThat(wrongKey.code()).isEqualTo(1);
            assertThat(wrongKey.err()).contains("wrong key");

            Run unknown = cli(Map.of(), "download", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", "-o", tmp.resolve("x").toString());
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.err()).contains("is not in the manifest");

            Run corrupt = cli(Map.of(), "download", backupCid(), "-o", tmp.resolve("y").toString(), "--sha256", "00".repeat(32));
            assertThat(corrupt.code()).isEqualTo(1);
            assertThat(corrupt.err()).contains("sha256").contains("nothing was written");
            assertThat(tmp.resolve("y")).doesNotExist();

            Run badTime = cli(Map.of(), "restore", "--at", "2001-01-01T00:00:00Z", "--target-uri", env.get("RESTORE_MONGODB_URI"));
            assertThat(badTime.code()).isEqualTo(1);
            assertThat(badTime.err()).contains("no full backup is consistent");

            assertThat(docs(marker)).containsExactly(new Document("_id", "untouched"));
            assertThat(target.listDatabaseNames().into(new ArrayList<>())).containsExactlyInAnyOrderElementsOf(before);

            // a non-empty target is refused without --drop, and left as it was
            Run first = cli(Map.of(), "restore", "latest", "--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop");
            assertThat(first.code()).as(first.err()).isZero();
            MongoCollection<Document> customers = target.getDatabase("shop").getCollection("customers");
            customers.insertOne(new Document("_id", "operator-added"));
            long count = customers.countDocuments();
            Run again = cli(Map.of(), "restore", "latest", "--target-uri", env.get("RESTORE_MONGODB_URI"));
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("is not empty; use --drop");
            assertThat(customers.countDocuments()).isEqualTo(count);
            assertThat(customers.find(Filters.eq("_id", "operator-added")).first()).isNotNull();
        }
    }

    /**
     * Issue 10, item 1: a database created after the full backup exists only in the incrementals' oplogs. Restoring the
     * same chain at several instants, in random order (forward and backward), into the same target with {@code --drop}
     * gives exactly the recorded state each time; without {@code --drop} a target that still holds that collection is
     * refused, naming it, and left as it was.
     */
    @Test
    void collectionsOnlyInTheOplogAreDroppedAndCheckedAtEveryInstant(LocalStack stack) throws Exception {
        setUp(stack);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<Document> base = source.getDatabase("pitr").getCollection("base");
            MongoCollection<Document> late = source.getDatabase("pitrlate").getCollection("items");
            base.drop();
            source.getDatabase("pitrlate").drop();
            for (int i = 0; i < 10; i++) {
                base.insertOne(new Document("_id", i).append("v", "base" + i));
            }
            backup("full");
            assertThat(source.listDatabaseNames().into(new ArrayList<>())).doesNotContain("pitrlate");

            // instant -> recorded state (null = latest); the late collection starts only after the full
            Map<String, Map<String, List<Document>>> states = new java.util.LinkedHashMap<>();
            Instant t = nextSecondAfter(Instant.now());
            states.put(t.toString(), snapshot(base, late));
            nextSecondAfter(t);
            for (int i = 0; i < 22; i++) {
                late.insertOne(new Document("_id", i).append("v", "late" + i));
            }
            base.updateOne(Filters.eq("_id", 1), Updates.set("v", "changed"));
            t = nextSecondAfter(Instant.now());
            states.put(t.toString(), snapshot(base, late));
            nextSecondAfter(t);
            backup("incremental");
            for (int i = 22; i < 50; i++) {
                late.insertOne(new Document("_id", i).append("v", "late" + i));
            }
            late.updateOne(Filters.eq("_id", 0), Updates.set("v", "updated"));
            base.deleteOne(Filters.eq("_id", 2));
            t = nextSecondAfter(Instant.now());
            states.put(t.toString(), snapshot(base, late));
            nextSecondAfter(t);
            for (int i = 50; i < 68; i++) {
                late.insertOne(new Document("_id", i).append("v", "late" + i));
            }
            late.deleteOne(Filters.eq("_id", 3));
            backup("incremental");
            states.put("latest", snapshot(base, late));

            List<String> instants = new ArrayList<>(states.keySet());
            long seed = System.nanoTime();
            java.util.Random random = new java.util.Random(seed);
            List<String> order = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                List<String> shuffled = new ArrayList<>(instants);
                java.util.Collections.shuffle(shuffled, random);
                order.addAll(shuffled);
            }
            // latest first, then the earliest: the sequence (a later state, then an earlier one) always runs
            order.add(0, "latest");
            order.add(1, instants.get(0));
            System.out.println("restoring at, in this order: " + order + " (seed " + seed + ")");
            for (String at : order) {
                List<String> args = new ArrayList<>(List.of("restore"));
                args.addAll(at.equals("latest") ? List.of("latest") : List.of("--at", at));
                args.addAll(List.of("--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop"));
                Run r = cli(Map.of(), args.toArray(String[]::new));
                assertThat(r.code()).as("restore at " + at + " (order " + order + ", seed " + seed + "): " + r.err()).isZero();
                assertThat(snapshot(target.getDatabase("pitr").getCollection("base"), target.getDatabase("pitrlate").getCollection("items")))
                        .as("target after restore at " + at + " (order " + order + ", seed " + seed + ")")
                        .isEqualTo(states.get(at));
            }

        }
    }

    /**
     * Issue 10, item 1, without {@code --drop}: a target that still holds a collection which exists only in the
     * incremental's oplog is refused, naming that collection, and left as it was (before the fix the replay wrote
     * into it and the restore exited 0).
     */
    @Test
    void aTargetHoldingACollectionOnlyInTheOplogIsRefusedWithoutDrop(LocalStack stack) throws Exception {
        setUp(stack);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<Document> late = source.getDatabase("pitrlate").getCollection("items");
            source.getDatabase("pitrlate").drop();
            backup("full");
            for (int i = 0; i < 22; i++) {
                late.insertOne(new Document("_id", i).append("v", "late" + i));
            }
            Instant t = nextSecondAfter(Instant.now());
            nextSecondAfter(t);
            for (int i = 22; i < 50; i++) {
                late.insertOne(new Document("_id", i).append("v", "late" + i));
            }
            backup("incremental");

            Run latest = cli(Map.of(), "restore", "latest", "--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop");
            assertThat(latest.code()).as(latest.err()).isZero();
            MongoCollection<Document> targetLate = target.getDatabase("pitrlate").getCollection("items");
            List<Document> before = docs(targetLate);
            assertThat(before).isEqualTo(docs(late)).hasSize(50);

            // only that collection selected: nothing else to refuse; before the fix this one was written into, exit 0
            Run only = cli(Map.of(), "restore", "--at", t.toString(), "--target-uri", env.get("RESTORE_MONGODB_URI"),
                    "--ns-include", "pitrlate.*");
            assertThat(only.code()).as(only.out() + only.err() + " target now: " + targetLate.countDocuments() + " documents").isEqualTo(1);
            assertThat(only.err()).contains("target collection pitrlate.items is not empty; use --drop");
            assertThat(docs(targetLate)).isEqualTo(before);
            // everything: the other collections are refused too, and this one is named among them
            Run refused = cli(Map.of(), "restore", "--at", t.toString(), "--target-uri", env.get("RESTORE_MONGODB_URI"));
            assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(1);
            assertThat(refused.err()).contains("target collection pitrlate.items is not empty; use --drop");
            assertThat(docs(targetLate)).isEqualTo(before);
        }
    }

    /** The documents of each collection, by namespace (an absent collection has none). */
    static Map<String, List<Document>> snapshot(MongoCollection<Document> base, MongoCollection<Document> late) {
        return Map.of(base.getNamespace().getFullName(), docs(base), late.getNamespace().getFullName(), docs(late));
    }

    String backupCid() {
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            return source.getDatabase("ipfs_backup").getCollection("backups").find().sort(Sorts.descending("timestamp")).first().getString("cid");
        }
    }
}
