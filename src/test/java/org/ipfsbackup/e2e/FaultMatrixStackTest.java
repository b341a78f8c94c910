package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.ipfs.ClusterPin;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.testing.FaultProxy;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault matrix on the real stack (two Kubo nodes, two cluster peers, FerretDB, GreenMail). Each case asserts a
 * clear error, the alert received over IMAP (or kept in the spool), nothing lost (no temp files, no orphan pin) and a
 * true manifest (nothing recorded for a failed backup). Faults the real programs cannot be asked for are injected by
 * {@link FaultProxy} in front of the real cluster REST API, or by stopping a stack process at an exact request.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class FaultMatrixStackTest {
    static final Pattern CID = Pattern.compile("\\b(baf[a-z2-7]{20,})\\b");

    @TempDir
    Path tmp;

    Map<String, String> settings(LocalStack stack, String to) {
        return settingsIn(tmp, stack.env(), to);
    }

    /** Stack settings with short retries, no retention, alerts to {@code to}; work and spool under {@code tmp}. */
    static Map<String, String> settingsIn(Path tmp, Map<String, String> env, String to) {
        Map<String, String> o = TestSettings.stack(env, tmp.resolve("work"));
        o.put("ipfs.retry.delay", "200");
        o.put("ipfs.retry.attempts", "3");
        o.put("retention.after-backup", "false");
        TestSettings.withStackAlerts(o, env, to, tmp.resolve("spool"));
        o.put("alert.retry-interval", "500");
        return o;
    }

    static ClusterClient cluster(Map<String, String> env) {
        return new ClusterClient(new IpfsSettings(List.of(URI.create(env.get("IPFS_CLUSTER_NODE_1"))), List.of(),
                LocalStack.clusterAuthorization(env), 2,
                Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ofSeconds(30)));
    }

    static Set<String> pinnedCids(Map<String, String> env) {
        return cluster(env).allocations().stream().map(ClusterPin::cid).collect(Collectors.toSet());
    }

    static List<String> workFiles(Path work) throws IOException {
        if (!Files.isDirectory(work)) {
            return List.of();
        }
        try (var s = Files.walk(work)) {
            return s.filter(p -> !p.equals(work)).map(Path::toString).toList();
        }
    }

    static String closedPortUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    static void awaitSubject(Map<String, String> env, String to, String subject) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> FaultStackTest.subjects(env, to).contains(subject));
    }

    @Test
    void theClusterAnswering500TwiceIsRetriedAndTheBackupSucceeds(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String to = "ops-500@devstack.test";
        try (FaultProxy proxy = new FaultProxy(env.get("IPFS_CLUSTER_NODE_1"))) {
            Map<String, String> o = settings(stack, to);
            o.put("ipfs.cluster.node1", proxy.url());
            // both nodes through the proxy: a 500 fails over to the other node (the cluster client's one policy), so
            // the two injected 500s use up both nodes and it is the dead-letter channel's redelivery that gets through
            o.put("ipfs.cluster.node2", proxy.url());
            proxy.failNext("POST /add", 2);
            try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env);
                 MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
                BackupApplication.Outcome ok = app.runBackup("full");
                assertThat(ok.failure()).isNull();
                assertThat(proxy.requests.stream().filter(r -> r.startsWith("POST /add") && r.contains("full_backup_")).count())
                        .as("two injected 500s, then the retry that got through: " + proxy.requests).isEqualTo(3);
                assertThat(proxy.failuresLeft()).isZero();
                String cid = ok.entry().cid();
                assertThat(new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history").find(cid).orElseThrow().status())
                        .isEqualTo(ManifestEntry.COMPLETE);
                KuboClient kubo = new KuboClient(Duration.ofSeconds(30));
                for (String node : List.of(env.get("IPFS_NODE_1"), env.get("IPFS_NODE_2"))) {
                    assertThat(kubo.isPinned(URI.create(node), cid)).as("pinned on " + node).isTrue();
                }
                assertThat(workFiles(tmp.resolve("work"))).isEmpty();
                assertThat(FaultStackTest.subjects(env, to)).as("a retried fault is no alert").isEmpty();
            }
        }
    }

    @Test
    void anUnreachableClusterFailsTheBackupWithAnAlertAndLeavesNothing(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String to = "ops-unreachable@devstack.test";
        Map<String, String> o = settings(stack, to);
        o.put("ipfs.cluster.node1", closedPortUrl());
        o.put("ipfs.cluster.node2", closedPortUrl());
        try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env);
             MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            int before = repo.all().size();
            BackupApplication.Outcome failed = app.runBackup("full");
            assertThat(failed.succeeded()).isFalse();
            assertThat(failed.failedStep()).isEqualTo("backup-upload");
            assertThat(failed.failure()).as("a clear error").containsIgnoringCase("connect");
            assertThat(repo.all()).as("nothing recorded").hasSize(before);
            assertThat(workFiles(tmp.resolve("work"))).as("no temp files").isEmpty();
            awaitSubject(env, to, "[ipfs-backup][CRITICAL] backup failure (full)");
        }
    }

    @Test
    void aPinThatNeverReachesPinnedFailsTheBackupAndTheUploadIsUnpinned(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String to = "ops-pintimeout@devstack.test";
        try (FaultProxy proxy = new FaultProxy(env.get("IPFS_CLUSTER_NODE_1"))) {
            Map<String, String> o = settings(stack, to);
            o.put("ipfs.cluster.node1", proxy.url());
            o.put("ipfs.pin.timeout", "3s");
            proxy.neverPinned = true;
            try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env);
                 MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
                ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
                int before = repo.all().size();
                BackupApplication.Outcome failed = app.runBackup("full");
                assertThat(failed.succeeded()).isFalse();
                assertThat(failed.failedStep()).isEqualTo("backup-pin-verify");
                assertThat(failed.failure()).contains("was not pinned").contains("ipfs.pin.timeout");
                Matcher m = CID.matcher(failed.failure());
                assertThat(m.find()).as("the error names the CID: " + failed.failure()).isTrue();
                String cid = m.group(1);
                assertThat(repo.all()).as("nothing recorded").hasSize(before);
                assertThat(repo.find(cid)).isEmpty();
                assertThat(proxy.count("DELETE /pins/" + cid)).as("the upload was unpinned").isEqualTo(1);
                assertThat(pinnedCids(env)).as("no orphan pin in the real cluster").doesNotContain(cid);
                assertThat(workFiles(tmp.resolve("work"))).isEmpty();
                awaitSubject(env, to, "[ipfs-backup][CRITICAL] IPFS pin failure (full)");
            }
        }
    }

    @Test
    void mongoDbGoneBeforeTheManifestIsWrittenFailsTheBackupAndRecoveryAdoptsTheUploadLater(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String to = "ops-mongodown@devstack.test";
        try (FaultProxy proxy = new FaultProxy(env.get("IPFS_CLUSTER_NODE_1"))) {
            Map<String, String> o = settings(stack, to);
            o.put("ipfs.cluster.node1", proxy.url());
            o.put("mongodb.uri", env.get("MONGODB_URI") + "&serverSelectionTimeoutMS=2000&connectTimeoutMS=2000");
            o.put("recovery.grace", "1s");
            // the upload is done and pin verification starts: MongoDB (source and manifest) goes away now
            proxy.onFirstAfter("POST /add", "GET /pins/", line -> stack.stopProcess("ferretdb"));
            BackupApplication.Outcome failed;
            try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env)) {
                try {
                    failed = app.runBackup("full");
                } finally {
                    if (!stack.isRunning("ferretdb")) {
                        stack.startProcess("ferretdb");
                    }
                }
                assertThat(failed.succeeded()).isFalse();
                assertThat(failed.failedStep()).as(failed.failure()).isEqualTo("backup-record");
                assertThat(failed.failure()).as("a clear error").containsIgnoringCase("mongo");
                String cid = proxy.firstAfter("POST /add", "GET /pins/").orElseThrow()
                        .replaceAll("^GET /pins/([^?/]+).*$", "$1");
                // whether the insert landed cannot be known while MongoDB is away: the upload is kept, not unpinned
                assertThat(proxy.count("DELETE /pins/" + cid)).isZero();
                assertThat(workFiles(tmp.resolve("work"))).as("no temp files").isEmpty();
                awaitSubject(env, to, "[ipfs-backup][CRITICAL] backup failure (full)");
                try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
                    assertThat(new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history").find(cid))
                            .as("manifest true: no entry claims the failed backup").isEmpty();
                }
                // MongoDB is back: recovery finds the upload unknown to the manifest, verifies it and adopts it
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> app.runRecovery().stream()
                        .anyMatch(a -> a.pin().cid().equals(cid) && a.adopted()));
                try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
                    ManifestEntry adopted = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history").find(cid).orElseThrow();
                    assertThat(adopted.status()).isEqualTo(ManifestEntry.COMPLETE);
                    assertThat(adopted.peers()).hasSize(2);
                }
                assertThat(pinnedCids(env)).contains(cid);
                // and the next backup succeeds
                BackupApplication.Outcome ok = app.runBackup("full");
                assertThat(ok.failure()).isNull();
                awaitSubject(env, to, "[ipfs-backup][RESOLVED] backup failure (full)");
            }
        }
    }

    @Test
    void anAlertSentWhileTheMailServerIsDownIsKeptAndDeliveredWhenItIsBack(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String to = "ops-smtpdown@devstack.test";
        Map<String, String> o = settings(stack, to);
        o.put("ipfs.cluster.node1", closedPortUrl());
        o.put("ipfs.cluster.node2", closedPortUrl());
        Path spool = tmp.resolve("spool");
        try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env)) {
            stack.stopProcess("greenmail");
            try {
                assertThat(app.runBackup("full").succeeded()).isFalse();
                assertThat(jsonFiles(spool)).as("the alert is kept").isEqualTo(1);
                assertThat(Files.readString(onlyJson(spool))).contains("BACKUP_FAILURE").contains("reason");
            } finally {
                stack.startProcess("greenmail");
            }
            awaitSubject(env, to, "[ipfs-backup][CRITICAL] backup failure (full)");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> jsonFiles(spool) == 0);
        }
    }

    @Test
    void aFullTemporaryDirectoryFailsTheBackupNamingItAndLeavesNothing(LocalStack stack) throws Exception {
        Assumptions.assumeTrue(canMountPrivateTmpfs(), "needs unshare --user --mount (a private tmpfs as the work directory)");
        Map<String, String> env = stack.env();
        String to = "ops-diskfull@devstack.test";
        Map<String, String> o = settings(stack, to);
        Path work = tmp.resolve("work");
        Files.createDirectories(work);
        Path config = writeConfig(o);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            int before = repo.all().size();
            Set<String> pinsBefore = pinnedCids(env);
            // a 256 KiB tmpfs, private to the child process, mounted on the work directory
            String script = "mount -t tmpfs -o size=256k tmpfs \"$WORK\" || exit 97; \"$JAVA\" -Xmx256m -cp \"$CP\" "
                    + "org.ipfsbackup.cli.Main backup full --config \"$CONFIG\" --routes \"$ROUTES\"; rc=$?; echo LEFT-BEGIN; "
                    + "find \"$WORK\" -mindepth 1; echo LEFT-END; exit $rc";
            ProcessBuilder pb = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script);
            childEnv(pb, config, env).put("WORK", work.toString());
            Path out = tmp.resolve("child.out");
            pb.redirectErrorStream(true).redirectOutput(out.toFile());
            Process p = pb.start();
            assertThat(p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(log).isEqualTo(1);
            // Java says "No space left on device", mongodump (Go) "no space left on device"
            assertThat(log).contains("backup failed in step").containsIgnoringCase("No space left on device");
            String left = log.substring(log.indexOf("LEFT-BEGIN") + "LEFT-BEGIN".length(), log.indexOf("LEFT-END")).trim();
            assertThat(left).as("no temp files left in the full directory").isEmpty();
            assertThat(repo.all()).as("nothing recorded").hasSize(before);
            Set<String> pinsAfter = pinnedCids(env);
            pinsAfter.removeAll(pinsBefore);
            assertThat(pinsAfter).as("no new pin").isEmpty();
            awaitSubject(env, to, "[ipfs-backup][CRITICAL] backup failure (full)");
        }
    }

    @Test
    void killDashNineMidBackupThenRestartCleansUpAndAdoptsTheVerifiedUpload(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String to = "ops-kill9@devstack.test";
        Path work = tmp.resolve("work");
        try (FaultProxy proxy = new FaultProxy(env.get("IPFS_CLUSTER_NODE_1"));
             MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            int before = repo.all().size();
            Map<String, String> o = settings(stack, to);
            o.put("ipfs.cluster.node1", proxy.url());
            o.put("backup.lock-lease", "6s"); // the killed process's lease: taken over 6 s after its last heartbeat
            Path config = writeConfig(o);
            ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx256m", "-cp", classPath(), "org.ipfsbackup.cli.Main", "backup", "full",
                    "--config", config.toString(), "--routes", Project.routes().toString());
            childEnv(pb, config, env);
            Path out = tmp.resolve("child.out");
            pb.redirectErrorStream(true).redirectOutput(out.toFile());
            Process child = pb.start();
            // the upload is in the cluster and pin verification starts: kill -9, before anything is recorded
            java.util.concurrent.CompletableFuture<Void> killed = new java.util.concurrent.CompletableFuture<>();
            proxy.onFirstAfter("POST /add", "GET /pins/", line -> {
                child.destroyForcibly();
                try {
                    child.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                killed.complete(null);
            });
            killed.get(180, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(child.exitValue()).as(Files.readString(out)).isEqualTo(137);
            String cid = proxy.firstAfter("POST /add", "GET /pins/").orElseThrow()
                    .replaceAll("^GET /pins/([^?/]+).*$", "$1");
            assertThat(workFiles(work)).as("the crash left its temp files").isNotEmpty();
            assertThat(repo.find(cid)).as("nothing recorded").isEmpty();
            assertThat(repo.all()).hasSize(before);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pinnedCids(env).contains(cid));

            // restart: the temp files go once a job takes the lock (after the dead process's lease expired), here
            // recovery (grace 1 s here, 1 h by default), which finds the orphan, verifies it (download, CID,
            // decryption, its ipfs-backup.json) and adopts it, and says so
            o.put("recovery.grace", "1s");
            try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env)) {
                java.util.concurrent.atomic.AtomicReference<OrphanAction> mine = new java.util.concurrent.atomic.AtomicReference<>();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    app.runRecovery().stream().filter(a -> a.pin().cid().equals(cid) && !a.kept()).findFirst().ifPresent(mine::set);
                    return mine.get() != null;
                });
                assertThat(mine.get().action()).as(mine.get().describe()).isEqualTo(OrphanAction.ADOPTED);
                assertThat(mine.get().describe()).contains(cid).contains("full_backup_");
                ManifestEntry adopted = repo.find(cid).orElseThrow();
                assertThat(adopted.type()).isEqualTo("full");
                assertThat(adopted.status()).isEqualTo(ManifestEntry.COMPLETE);
                assertThat(adopted.oplogEnd()).as("the chain can go on from it").isNotNull();
                // other tests' unrecorded uploads on the shared stack may be adopted by this recovery too
                assertThat(repo.all()).hasSizeGreaterThanOrEqualTo(before + 1).filteredOn(e -> e.cid().equals(cid)).hasSize(1);
                assertThat(workFiles(work)).as("no temp files after adoption").isEmpty();
                assertThat(pinnedCids(env)).contains(cid);
                // the adopted backup is the base of the next incremental
                BackupApplication.Outcome inc = app.runBackup("incremental");
                assertThat(inc.failure()).isNull();
                assertThat(inc.entry().previous()).isEqualTo(cid);
            }
        }
    }

    @Test
    void twoInstancesTriggeredTogetherNeverRunAtOnce(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        Map<String, String> a = settings(stack, "ops-two@devstack.test");
        Map<String, String> b = new java.util.HashMap<>(a);
        b.put("backup.work-dir", tmp.resolve("work-b").toString());
        b.put("alert.spool-dir", tmp.resolve("spool-b").toString());
        try (BackupApplication one = TestSettings.startOnStack(Project.routes(), a, env);
             BackupApplication two = TestSettings.startOnStack(Project.routes(), b, env);
             MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            assertThat(one.runBackup("full").failure()).isNull(); // a chain for the incrementals
            int before = repo.all().size();
            // both instances' incrementals at the same moment: one runs, the other is skipped naming the holder
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var f1 = pool.submit(() -> {
                    start.await();
                    return one.runBackup("incremental");
                });
                var f2 = pool.submit(() -> {
                    start.await();
                    return two.runBackup("incremental");
                });
                List<BackupApplication.Outcome> outcomes = List.of(f1.get(5, java.util.concurrent.TimeUnit.MINUTES),
                        f2.get(5, java.util.concurrent.TimeUnit.MINUTES));
                assertThat(outcomes).filteredOn(BackupApplication.Outcome::succeeded).as("exactly one ran").hasSize(1);
                BackupApplication.Outcome skipped = outcomes.stream().filter(BackupApplication.Outcome::wasSkipped).findFirst().orElseThrow();
                assertThat(skipped.skipped()).as("says who holds the lock").contains("incremental");
                assertThat(repo.all()).as("one entry, no duplicate").hasSize(before + 1);
            } finally {
                pool.shutdownNow();
            }
            assertThat(workFiles(tmp.resolve("work"))).isEmpty();
            assertThat(workFiles(tmp.resolve("work-b"))).isEmpty();
        }
    }

    static long jsonFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    static Path onlyJson(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
    }

    Path writeConfig(Map<String, String> o) throws IOException {
        return writeConfig(tmp.resolve("child.properties"), o);
    }

    /** The settings as a configuration file for a child process ({@code --config}). */
    static Path writeConfig(Path f, Map<String, String> o) throws IOException {
        Properties p = new Properties();
        p.putAll(o);
        try (var w = Files.newBufferedWriter(f)) {
            p.store(w, "child process");
        }
        return f;
    }

    static Map<String, String> childEnv(ProcessBuilder pb, Path config, Map<String, String> stackEnv) {
        Map<String, String> e = pb.environment();
        e.putAll(TestSettings.stackSecrets(stackEnv));
        e.put("JAVA", java());
        e.put("CP", classPath());
        e.put("CONFIG", config.toString());
        e.put("ROUTES", Project.routes().toString());
        return e;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    static boolean canMountPrivateTmpfs() {
        try {
            Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                    "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\" && umount \"$d\" && rmdir \"$d\"")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
