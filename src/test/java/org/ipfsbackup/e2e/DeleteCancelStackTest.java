package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.cli.Main;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delete} and {@code cancel} on the shared local stack, each test on its own backups (of its own source
 * database): delete refuses to break a chain without --force, marks the entry deleted and unpins it on both peers;
 * cancel stops a running full held at its dump, leaving nothing recorded, pinned or on disk, the lock free, and status
 * shows it as the last (cancelled) failure.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class DeleteCancelStackTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run cli(Map<String, String> env, Path config, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--routes", Project.routes().toString()));
        int code = Main.execute(new HashMap<>(TestSettings.stackSecrets(env)), new PrintWriter(out, true), new PrintWriter(err, true),
                all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    Map<String, String> settings(LocalStack stack, String sourceDb) throws Exception {
        Map<String, String> o = TestSettings.stack(stack.env(), tmp.resolve("work"));
        o.put("dump.include-databases", sourceDb);
        o.put("retention.after-backup", "false");
        o.put("backup.schedule.enabled", "false");
        return o;
    }

    @Test
    void deleteRefusesToBreakAChainThenMarksAndUnpinsOnBothPeers(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String db = "ops_delete_" + ProcessHandle.current().pid();
        Map<String, String> o = settings(stack, db);
        Path config = FaultMatrixStackTest.writeConfig(tmp.resolve("app.properties"), o);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            source.getDatabase(db).getCollection("things").insertOne(new Document("_id", 1).append("v", "one"));
            ManifestEntry full = PointInTimeStackTest.backup(config, "full", env).entry();
            source.getDatabase(db).getCollection("things").insertOne(new Document("_id", 2).append("v", "two"));
            ManifestEntry inc = PointInTimeStackTest.backup(config, "incremental", env).entry();
            assertThat(inc.previous()).as("the incremental builds on the full").isEqualTo(full.cid());
            int entries = repo.all().size();

            // the full: later incrementals build on it: refused, naming the incremental, nothing changed
            Run refused = cli(env, config, "delete", full.cid());
            assertThat(refused.code()).as(refused.err()).isEqualTo(1);
            assertThat(refused.err()).contains("refused").contains(inc.cid()).contains("--force");
            assertThat(repo.find(full.cid()).orElseThrow().status()).isEqualTo(ManifestEntry.COMPLETE);
            assertThat(FaultMatrixStackTest.pinnedCids(env)).contains(full.cid());

            // an unknown CID and a manifest version: refused, nothing changed
            Run unknown = cli(env, config, "delete", "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.err()).contains("no backup with CID bafkreiaaaa");
            String head = repo.headManifestCid().orElseThrow();
            Run version = cli(env, config, "delete", head);
            assertThat(version.code()).isEqualTo(1);
            assertThat(version.err()).contains("manifest version");
            assertThat(FaultMatrixStackTest.pinnedCids(env)).contains(head);
            assertThat(repo.all()).hasSize(entries);

            // the incremental (nothing builds on it), then the full, now alone: each marked deleted and unpinned
            for (ManifestEntry e : List.of(inc, full)) {
                Instant before = Instant.now().minusSeconds(1);
                Run deleted = cli(env, config, "delete", e.cid(), "--reason", "test " + e.type());
                assertThat(deleted.code()).as(deleted.out() + deleted.err()).isZero();
                assertThat(deleted.out()).contains("marked deleted").contains("unpinned from the cluster");
                ManifestEntry marked = repo.find(e.cid()).orElseThrow();
                assertThat(marked.status()).isEqualTo(ManifestEntry.DELETED);
                assertThat(marked.deletedAt()).isAfter(before);
                assertThat(marked.deleteReason()).isEqualTo("test " + e.type());
                KuboClient kubo = new KuboClient(Duration.ofSeconds(10));
                for (String node : List.of(env.get("IPFS_NODE_1"), env.get("IPFS_NODE_2"))) {
                    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                            .alias("unpinned on " + node).until(() -> !kubo.isPinned(URI.create(node), e.cid()));
                }
                assertThat(FaultMatrixStackTest.pinnedCids(env)).doesNotContain(e.cid());
            }
            assertThat(repo.all()).as("entries are marked, not removed").hasSize(entries);

            // list and status treat them as gone
            Run list = cli(env, config, "list", "--json");
            assertThat(list.code()).as(list.err()).isZero();
            JsonNode rows = JobLifecycleStackTest.JSON.readTree(list.out());
            int shown = 0;
            for (JsonNode r : rows) {
                if (r.path("cid").asText().equals(full.cid()) || r.path("cid").asText().equals(inc.cid())) {
                    assertThat(r.path("status").asText()).isEqualTo(ManifestEntry.DELETED);
                    assertThat(r.path("deleteReason").asText()).startsWith("test ");
                    shown++;
                }
            }
            assertThat(shown).as("both listed, as deleted").isEqualTo(2);
            JsonNode status = JobLifecycleStackTest.JSON.readTree(cli(env, config, "status", "--json").out());
            assertThat(status.path("lastSuccess").path("full").path("cid").asText()).isNotEqualTo(full.cid());
            assertThat(status.path("lastSuccess").path("incremental").path("cid").asText()).isNotEqualTo(inc.cid());

            // --force on a chain: deleted, naming the incremental that no longer restores and the lost restore points
            ManifestEntry full2 = PointInTimeStackTest.backup(config, "full", env).entry();
            source.getDatabase(db).getCollection("things").insertOne(new Document("_id", 3).append("v", "three"));
            ManifestEntry inc2 = PointInTimeStackTest.backup(config, "incremental", env).entry();
            assertThat(inc2.previous()).isEqualTo(full2.cid());
            Run dry = cli(env, config, "delete", full2.cid(), "--force", "--dry-run");
            assertThat(dry.code()).as(dry.err()).isZero();
            assertThat(dry.out()).contains("nothing changed");
            assertThat(repo.find(full2.cid()).orElseThrow().status()).isEqualTo(ManifestEntry.COMPLETE);
            Run forced = cli(env, config, "delete", full2.cid(), "--force");
            assertThat(forced.code()).as(forced.err()).isZero();
            assertThat(forced.out()).contains(inc2.cid()).contains("no longer restore").contains("restore points lost: ");
            assertThat(repo.find(full2.cid()).orElseThrow().deleteReason()).startsWith("deleted by hand (--force; restore points lost: ");
            assertThat(FaultMatrixStackTest.pinnedCids(env)).doesNotContain(full2.cid());
            assertThat(cli(env, config, "delete", inc2.cid()).code()).isZero(); // the test's own backups go
        }
    }

    @Test
    void cancelStopsARunningFullLeavingNothingAndStatusShowsIt(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        Path gate = Files.createDirectories(tmp.resolve("gate"));
        Path work = tmp.resolve("work");
        Map<String, String> o = settings(stack, "ops_cancel_" + ProcessHandle.current().pid());
        o.put("dump.engine", "mongodump");
        o.put("dump.mongodump-path", JobLifecycleStackTest.gatedMongodump(env, gate, false, tmp.resolve("gated-mongodump")).toString());
        o.put("backup.lock-lease", "6s");
        Path config = FaultMatrixStackTest.writeConfig(tmp.resolve("app.properties"), o);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env)) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            int entries = repo.all().size();
            Set<String> pinsBefore = FaultMatrixStackTest.pinnedCids(env);
            Instant started = Instant.now().minusSeconds(1);

            CompletableFuture<BackupApplication.Outcome> running = CompletableFuture.supplyAsync(() -> app.runBackup("full"));
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Files.exists(gate.resolve("started")) || running.isDone());
            assertThat(running).as("the full waits at its dump").isNotDone();
            List<Long> dumpPids = Files.readAllLines(gate.resolve("started")).stream().map(String::strip).filter(x -> !x.isEmpty())
                    .map(Long::parseLong).toList();
            assertThat(JobLifecycleStackTest.jobFolders(work)).hasSize(1);
            assertThat(JobLifecycleStackTest.lease(source)).isPresent();

            // from the CLI (its own lock instance: the request goes through the lease document in MongoDB)
            long t0 = System.nanoTime();
            Run cancel = cli(env, config, "cancel", "--reason", "test cancel", "--wait", "60s");
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            System.out.println("cancel of a running full: exit " + cancel.code() + " after " + took.toMillis() + " ms\n" + cancel.out());
            assertThat(cancel.code()).as(cancel.out() + cancel.err()).isZero();
            assertThat(cancel.out()).contains("cancel requested for full").contains("has ended");

            BackupApplication.Outcome outcome = running.get(60, TimeUnit.SECONDS);
            assertThat(outcome.succeeded()).isFalse();
            assertThat(outcome.failure()).contains("cancelled").contains("test cancel");
            for (long pid : dumpPids) {
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("mongodump wrapper %d stopped", pid).isFalse();
            }
            assertThat(repo.all()).as("no manifest entry").hasSize(entries);
            Set<String> pinsAfter = FaultMatrixStackTest.pinnedCids(env);
            pinsAfter.removeAll(pinsBefore);
            assertThat(pinsAfter).as("nothing pinned from it").isEmpty();
            assertThat(FaultMatrixStackTest.workFiles(work)).as("no work folder").isEmpty();
            assertThat(JobLifecycleStackTest.lease(source)).as("the lock is free").isEmpty();

            // nothing running now: a clear message, exit 0
            Run nothing = cli(env, config, "cancel");
            assertThat(nothing.code()).isZero();
            assertThat(nothing.out()).contains("nothing is running");

            // status: the last failed full is this cancelled one, beside the last success
            Run status = cli(env, config, "status", "--json");
            JsonNode failure = JobLifecycleStackTest.JSON.readTree(status.out()).path("lastFailure").path("full");
            assertThat(failure.isObject()).as(status.out()).isTrue();
            assertThat(Instant.parse(failure.path("time").asText())).isAfter(started);
            assertThat(failure.path("cancelled").asBoolean()).isTrue();
            assertThat(failure.path("error").asText()).contains("cancelled").contains("test cancel");
            Run text = cli(env, config, "status");
            assertThat(text.out()).contains("last failed backups:").contains("CANCELLED: ");

            // the next backup, in the same instance, runs to its end: not cancelled by the old request, its mongodump
            // not interrupted by what stopped the cancelled one
            Files.createFile(gate.resolve("go"));
            BackupApplication.Outcome next = app.runBackup("full");
            assertThat(next.failure()).isNull();
            assertThat(repo.find(next.entry().cid())).isPresent();
        }
    }

    @Test
    void cancelDuringPinVerificationUnpinsWhatTheJobAddedAndRecordsNothing(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        Path work = tmp.resolve("work");
        String db = "ops_cancel_pin_" + ProcessHandle.current().pid();
        try (org.ipfsbackup.testing.FaultProxy proxy = new org.ipfsbackup.testing.FaultProxy(env.get("IPFS_CLUSTER_NODE_1"));
             MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            source.getDatabase(db).getCollection("things").insertOne(new Document("_id", 1).append("v", "one"));
            Map<String, String> o = settings(stack, db);
            o.put("ipfs.cluster.node1", proxy.url());
            o.put("ipfs.pin.timeout", "120s");
            o.put("backup.lock-lease", "6s");
            Path config = FaultMatrixStackTest.writeConfig(tmp.resolve("app.properties"), o);
            proxy.neverPinned = true; // pin verification polls until the job is cancelled
            CompletableFuture<Void> verifying = new CompletableFuture<>();
            proxy.onFirstAfter("POST /add", "GET /pins/", line -> verifying.complete(null));
            try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env)) {
                ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
                int entries = repo.all().size();
                CompletableFuture<BackupApplication.Outcome> running = CompletableFuture.supplyAsync(() -> app.runBackup("full"));
                verifying.get(180, TimeUnit.SECONDS);
                String cid = proxy.firstAfter("POST /add", "GET /pins/").orElseThrow()
                        .replaceAll("^GET /pins/([^?/]+).*$", "$1");
                assertThat(FaultMatrixStackTest.pinnedCids(env)).as("the upload is in the cluster").contains(cid);

                Run cancel = cli(env, config, "cancel", "--wait", "60s");
                assertThat(cancel.code()).as(cancel.out() + cancel.err()).isZero();
                BackupApplication.Outcome outcome = running.get(60, TimeUnit.SECONDS);
                assertThat(outcome.failure()).contains("cancelled");
                assertThat(proxy.count("DELETE /pins/" + cid)).as("what it added was unpinned").isEqualTo(1);
                assertThat(FaultMatrixStackTest.pinnedCids(env)).as("nothing pinned from it").doesNotContain(cid);
                assertThat(repo.find(cid)).as("nothing recorded").isEmpty();
                assertThat(repo.all()).hasSize(entries);
                assertThat(FaultMatrixStackTest.workFiles(work)).as("no work folder").isEmpty();
                assertThat(JobLifecycleStackTest.lease(source)).as("the lock is free").isEmpty();
            }
        }
    }
}
