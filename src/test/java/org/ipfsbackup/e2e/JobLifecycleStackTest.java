package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.job.BackupLock;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.testing.FaultProxy;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-shot commands beside a running job, each in its own JVM as an operator starts them: a one-shot incremental
 * started while a full runs leaves the full's work folder alone; SIGTERM to a one-shot backup during its dump stops
 * mongodump (and what it started) and leaves nothing behind. The dump is held at a gate: the stack's mongodump behind
 * a wrapper that waits for a file the test creates (or, for SIGTERM, never does).
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class JobLifecycleStackTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    Path work;
    Path gate;
    final List<Process> children = new ArrayList<>();
    final List<Long> gatePids = new ArrayList<>();

    /** The stack's environment (its cluster password file goes to the child JVMs). */
    private Map<String, String> stackEnv;

    @BeforeEach
    void stackEnv(LocalStack stack) {
        stackEnv = stack.env();
    }

    @AfterEach
    void stopWhatWasStarted() {
        for (Process p : children) {
            p.destroyForcibly();
        }
        for (long pid : gatePids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aOneShotIncrementalBesideARunningFullLeavesItsFolderAloneAndIsSkippedNamingTheHolder(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        Path config = config(stack, false);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            // the full: its dump waits at the gate, with its work folder and the lock held
            Process full = child(config, tmp.resolve("full.out"), "backup", "full", "--json");
            awaitGate(gate, full, tmp.resolve("full.out"));
            List<Path> folders = jobFolders(work);
            assertThat(folders).as("the running full's work folder").hasSize(1);
            assertThat(WorkDirectories.owner(folders.get(0))).as("records the lease holder as its owner")
                    .hasValueSatisfying(o -> assertThat(o).contains(":" + full.pid() + ":"));

            // a one-shot incremental, in another process, meanwhile
            Process inc = child(config, tmp.resolve("inc.out"), "backup", "incremental");
            assertThat(inc.waitFor(180, TimeUnit.SECONDS)).as("the incremental ends").isTrue();
            String incLog = Files.readString(tmp.resolve("inc.out"), StandardCharsets.UTF_8);
            assertThat(inc.exitValue()).as(incLog).isZero();
            assertThat(incLog).as("skipped, naming the holder").contains("incremental backup skipped")
                    .contains("full (owner ").contains(":" + full.pid() + ":");
            assertThat(jobFolders(work)).as("the full's folder is left alone").isEqualTo(folders);
            assertThat(Files.isDirectory(folders.get(0).resolve("dump"))).as("its dump folder too").isTrue();

            // the full goes on and completes
            Files.createFile(gate.resolve("go"));
            assertThat(full.waitFor(300, TimeUnit.SECONDS)).as("the full ends").isTrue();
            String fullLog = Files.readString(tmp.resolve("full.out"), StandardCharsets.UTF_8);
            assertThat(full.exitValue()).as(fullLog).isZero();
            JsonNode printed = fullLog.lines().filter(l -> l.startsWith("{") && l.contains("\"manifestCid\""))
                    .map(JobLifecycleStackTest::json).findFirst().orElseThrow(() -> new AssertionError("no entry printed: " + fullLog));
            ManifestEntry recorded = repo.find(printed.get("cid").asText()).orElseThrow();
            assertThat(recorded.type()).isEqualTo("full");
            assertThat(recorded.status()).isEqualTo(ManifestEntry.COMPLETE);
            assertThat(recorded.engine()).isEqualTo("mongodump");
            assertThat(FaultMatrixStackTest.pinnedCids(env)).contains(recorded.cid());
            assertThat(FaultMatrixStackTest.workFiles(work)).as("no temp files").isEmpty();
            assertThat(lease(source)).as("the lock is free").isEmpty();
        }
    }

    @Test
    void sigtermDuringTheDumpStopsMongodumpRemovesTheFolderReleasesTheLockAndExitsNonZeroAtOnce(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        Path config = config(stack, true);
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            int entriesBefore = repo.all().size();
            Set<String> pinsBefore = FaultMatrixStackTest.pinnedCids(env);
            Path out = tmp.resolve("full.out");
            Process full = child(config, out, "backup", "full");
            List<Long> tree = awaitGate(gate, full, out);
            assertThat(jobFolders(work)).hasSize(1);
            assertThat(lease(source)).hasValueSatisfying(d -> assertThat(d.getString("owner")).contains(":" + full.pid() + ":"));

            long t0 = System.nanoTime();
            full.destroy(); // SIGTERM
            boolean ended = full.waitFor(30, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            String log = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(ended).as("ended within 30 s of SIGTERM:\n" + log).isTrue();
            System.out.println("SIGTERM during the dump: exit " + full.exitValue() + " after " + took.toMillis() + " ms\n"
                    + log.lines().filter(l -> l.contains("stop") || l.contains("outcome=") || l.contains("failed")).collect(java.util.stream.Collectors.joining("\n")));
            assertThat(full.exitValue()).as(log).isNotZero();
            assertThat(took).as("exits within a few seconds").isLessThan(Duration.ofSeconds(10));
            for (long pid : tree) {
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                        .as("mongodump's process %d (and what it started) stopped", pid).isFalse();
            }
            assertThat(FaultMatrixStackTest.workFiles(work)).as("no job folder left").isEmpty();
            assertThat(lease(source)).as("the lock is released").isEmpty();
            Set<String> pinsAfter = FaultMatrixStackTest.pinnedCids(env);
            pinsAfter.removeAll(pinsBefore);
            assertThat(pinsAfter).as("no new pin").isEmpty();
            assertThat(repo.all()).as("no manifest entry").hasSize(entriesBefore);
        }
    }

    @Test
    void sigtermDuringPinVerificationUnpinsTheUploadAndRecordsNothing(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        work = tmp.resolve("work");
        try (FaultProxy proxy = new FaultProxy(env.get("IPFS_CLUSTER_NODE_1"));
             MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            int entriesBefore = repo.all().size();
            Map<String, String> o = TestSettings.stack(env, work);
            o.put("ipfs.cluster.node1", proxy.url());
            o.put("retention.after-backup", "false");
            o.put("ipfs.pin.timeout", "120s");
            proxy.neverPinned = true; // verification polls until it is stopped
            Path out = tmp.resolve("full.out");
            Process full = child(FaultMatrixStackTest.writeConfig(tmp.resolve("child.properties"), o), out, "backup", "full");
            // the upload is in the cluster and pin verification polls: SIGTERM
            java.util.concurrent.CompletableFuture<Long> signalled = new java.util.concurrent.CompletableFuture<>();
            proxy.onFirstAfter("POST /add", "GET /pins/", line -> {
                full.destroy();
                signalled.complete(System.nanoTime());
            });
            long t0 = signalled.get(180, TimeUnit.SECONDS);
            boolean ended = full.waitFor(30, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            String log = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(ended).as("ended within 30 s of SIGTERM:\n" + log).isTrue();
            System.out.println("SIGTERM during pin verification: exit " + full.exitValue() + " after " + took.toMillis() + " ms");
            assertThat(full.exitValue()).as(log).isNotZero();
            assertThat(took).as("exits within a few seconds").isLessThan(Duration.ofSeconds(10));
            String cid = proxy.firstAfter("POST /add", "GET /pins/").orElseThrow()
                    .replaceAll("^GET /pins/([^?/]+).*$", "$1");
            assertThat(proxy.count("DELETE /pins/" + cid)).as("the upload was unpinned:\n" + log).isEqualTo(1);
            assertThat(FaultMatrixStackTest.pinnedCids(env)).as("no orphan pin").doesNotContain(cid);
            assertThat(repo.find(cid)).as("nothing recorded").isEmpty();
            assertThat(repo.all()).hasSize(entriesBefore);
            assertThat(FaultMatrixStackTest.workFiles(work)).as("no job folder left").isEmpty();
            assertThat(lease(source)).as("the lock is released").isEmpty();
        }
    }

    /** The child processes' configuration: the stack, the gated mongodump ({@link #gatedMongodump}), a 6 s lease. */
    Path config(LocalStack stack, boolean hang) throws IOException {
        work = tmp.resolve("work");
        gate = Files.createDirectories(tmp.resolve("gate"));
        Map<String, String> o = TestSettings.stack(stack.env(), work);
        o.put("dump.engine", "mongodump");
        o.put("dump.mongodump-path", gatedMongodump(stack.env(), gate, hang).toString());
        o.put("retention.after-backup", "false");
        o.put("backup.lock-lease", "6s");
        return FaultMatrixStackTest.writeConfig(tmp.resolve("child.properties"), o);
    }

    /**
     * The stack's mongodump behind a wrapper that writes its PID (and, with {@code hang}, the PID of a child it keeps
     * running) to {@code gate/started}, then waits for {@code gate/go} before it runs mongodump.
     */
    Path gatedMongodump(Map<String, String> env, Path gate, boolean hang) throws IOException {
        return gatedMongodump(env, gate, hang, tmp.resolve("gated-mongodump"));
    }

    /** {@link #gatedMongodump(Map, Path, boolean)}, the wrapper written to {@code wrapper}. */
    static Path gatedMongodump(Map<String, String> env, Path gate, boolean hang, Path wrapper) throws IOException {
        String real = env.get("MONGODUMP_PATH");
        Assumptions.assumeTrue(real != null && Files.isExecutable(Path.of(real)), "the stack has no mongodump (MONGODUMP_PATH)");
        String script = "#!/bin/sh\n"
                // the start-up version check asks `mongodump --version`: answered at once, not held at the gate
                + "[ \"$1\" = --version ] && exec '" + real + "' --version\n"
                + "G='" + gate + "'\n"
                + "echo $$ > \"$G/started.tmp\"\n"
                + (hang ? "sleep 600 &\necho $! >> \"$G/started.tmp\"\nmv \"$G/started.tmp\" \"$G/started\"\nwait $!\n"
                        : "mv \"$G/started.tmp\" \"$G/started\"\n")
                + "while [ ! -e \"$G/go\" ]; do sleep 0.2; done\n"
                + "exec '" + real + "' \"$@\"\n";
        Files.writeString(wrapper, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        return wrapper;
    }

    /** Waits until the child's mongodump waits at the gate; the PIDs the wrapper wrote. */
    List<Long> awaitGate(Path gate, Process child, Path out) throws IOException {
        Path started = gate.resolve("started");
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                .until(() -> Files.exists(started) || !child.isAlive());
        assertThat(child.isAlive()).as("the backup runs its dump:\n" + Files.readString(out)).isTrue();
        List<Long> pids = Files.readAllLines(started).stream().map(String::strip).filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
        gatePids.addAll(pids);
        return pids;
    }

    Process child(Path config, Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(FaultMatrixStackTest.java(), "-Xmx256m", "-cp", FaultMatrixStackTest.classPath(),
                "org.ipfsbackup.cli.Main"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--config", config.toString(), "--routes", Project.routes().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        FaultMatrixStackTest.childEnv(pb, config, stackEnv);
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process p = pb.start();
        children.add(p);
        return p;
    }

    static List<Path> jobFolders(Path work) throws IOException {
        if (!Files.isDirectory(work)) {
            return List.of();
        }
        try (var s = Files.list(work)) {
            return s.filter(p -> p.getFileName().toString().startsWith(WorkDirectories.PREFIX)).sorted().toList();
        }
    }

    static Optional<Document> lease(MongoClient client) {
        return Optional.ofNullable(client.getDatabase("ipfs_backup").getCollection(BackupLock.COLLECTION)
                .find(new Document("_id", BackupLock.LOCK_ID)).first());
    }

    static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(line, e);
        }
    }
}
