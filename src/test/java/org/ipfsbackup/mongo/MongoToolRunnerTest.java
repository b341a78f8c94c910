package org.ipfsbackup.mongo;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** What both mongo-tools engines share: the config file and its URI, the run, the stderr tail. */
class MongoToolRunnerTest {

    private static final String URI = "mongodb://u:Secret-Pw@h1/appdb";

    @TempDir
    Path tmp;

    @Test
    void configFileText() {
        assertThat(MongoToolRunner.configYaml("mongodb://u:p\"q\\r@h/"))
                .isEqualTo("uri: \"mongodb://u:p\\\"q\\\\r@h/\"\n");
        assertThat(MongoToolRunner.configYaml("a\tb\u007f")).isEqualTo("uri: \"a\\x09b\\x7F\"\n");
    }

    @Test
    void databasePathMovesToAuthSource() {
        // mongo-tools would take a database in the URI's path for --db (refused with --oplogReplay): it moves to authSource
        assertThat(MongoToolRunner.uriForTools("mongodb://u:pw@h1,h2/appdb?replicaSet=rs0"))
                .isEqualTo("mongodb://u:pw@h1,h2/?authSource=appdb&replicaSet=rs0");
        assertThat(MongoToolRunner.uriForTools("mongodb://u:pw@h1/appdb?authSource=admin&tls=true"))
                .isEqualTo("mongodb://u:pw@h1/?authSource=admin&tls=true");
        assertThat(MongoToolRunner.uriForTools("mongodb://h1/appdb")).isEqualTo("mongodb://h1/");
        assertThat(MongoToolRunner.uriForTools("mongodb://u:pw@h1/?w=1")).isEqualTo("mongodb://u:pw@h1/?w=1");
        assertThat(MongoToolRunner.uriForTools("mongodb://h1")).isEqualTo("mongodb://h1");
        assertThatThrownBy(() -> MongoToolRunner.uriForTools("http://h1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tlsOptionsReachTheToolsUntouched() {
        // mongodump/mongorestore read tlsCAFile & co. from the URI themselves (the driver side is MongoConnections)
        String options = "tls=true&tlsCAFile=/etc/ipfs-backup/tls/ca.pem&tlsAllowInvalidCertificates=true"
                + "&tlsCertificateKeyFile=/etc/ipfs-backup/tls/client.pem&authSource=admin&readPreference=secondary";
        assertThat(MongoToolRunner.uriForTools("mongodb://backup:pw@db1:27017,db2:27017/?replicaSet=rs0&" + options))
                .isEqualTo("mongodb://backup:pw@db1:27017,db2:27017/?replicaSet=rs0&" + options);
        assertThat(MongoToolRunner.uriForTools("mongodb://backup:pw@db1/appdb?" + options))
                .as("a path database still moves out, the TLS options stay")
                .isEqualTo("mongodb://backup:pw@db1/?" + options);
        assertThat(MongoToolRunner.configYaml(MongoToolRunner.uriForTools("mongodb://backup:pw@db1/?" + options)))
                .isEqualTo("uri: \"mongodb://backup:pw@db1/?" + options + "\"\n");
    }

    @Test
    void tailKeepsTheLastLines() {
        assertThat(MongoToolRunner.tail("a\nb\n" + "x\n".repeat(30) + "last\n")).endsWith("x\nlast").doesNotContain("a\nb");
        assertThat(MongoToolRunner.tail("x\n".repeat(14) + "last").split("\n")).hasSize(MongoToolRunner.STDERR_TAIL_LINES);
        assertThat(MongoToolRunner.tail("y".repeat(5000))).startsWith("...").hasSize(MongoToolRunner.STDERR_TAIL_CHARS + 3);
        assertThat(MongoToolRunner.tail(null)).isEmpty();
        assertThat(MongoToolRunner.tail(" \n ")).isEmpty();
    }

    @Test
    void configFileIsPrivateAndWrittenBeforeTheRun() throws IOException {
        MongoToolRunner runner = new MongoToolRunner("mongotool", "unused", tmp.resolve("work"), t -> t);
        Path config = runner.writeConfig(URI);
        assertThat(config.getParent()).isEqualTo(tmp.resolve("work"));
        assertThat(config.getFileName().toString()).startsWith("mongotool-").endsWith(".yaml");
        assertThat(Files.readString(config)).isEqualTo("uri: \"mongodb://u:Secret-Pw@h1/?authSource=appdb\"\n");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
        }
        assertThatThrownBy(() -> runner.writeConfig("not a uri")).isInstanceOf(IllegalArgumentException.class);
        try (Stream<Path> files = Files.list(tmp.resolve("work"))) {
            assertThat(files).containsExactly(config);
        }
    }

    @Test
    void aProgramThatShrugsOffTheFirstSigtermIsKilledAtTheTimeoutAnyway() throws Exception {
        // what mongo-tools do: the first SIGTERM only asks for a clean stop, which never comes while they wait for a
        // server; the real mongodump 100.10.0 kept waiting for minutes (MongodumpStackTest)
        Path script = tmp.resolve("stubborn.sh");
        Files.writeString(script, "#!/bin/sh\necho $$ > \"$(dirname \"$0\")/pid.txt\"\n"
                + "trap 'echo \"signal received; attempting to shut down\" >&2' TERM\n"
                + "echo waiting for a server >&2\nwhile :; do sleep 1; done\n");
        assertThat(script.toFile().setExecutable(true, true)).isTrue();
        MongoToolRunner runner = new MongoToolRunner("mongotool", script.toString(), tmp, t -> t);
        long t0 = System.nanoTime();
        MongoToolRunner.Outcome outcome = runner.run(runner.writeConfig(URI), List.of(), 1_000);
        assertThat(outcome.timedOut()).isTrue();
        assertThat(outcome.exitCode()).isNotZero();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0))
                .isLessThan(java.time.Duration.ofMillis(1_000 + MongoToolRunner.KILL_GRACE_MILLIS + 10_000));
        long pid = Long.parseLong(Files.readString(tmp.resolve("pid.txt")).strip());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true));
    }

    @Test
    void runReportsExitCodeMaskedStderrAndDeletesTheConfigFile() throws IOException {
        assumeThat(FileSystems.getDefault().supportedFileAttributeViews()).contains("posix");
        Path script = tmp.resolve("tool.sh");
        Files.writeString(script, "#!/bin/sh\necho \"args: $*\" >&2\necho \"login with Secret-Pw failed\" >&2\nexit 7\n");
        assertThat(script.toFile().setExecutable(true, true)).isTrue();
        MongoToolRunner runner = new MongoToolRunner("mongotool", script.toString(), tmp,
                Masking.forUri(URI)::mask);

        Path config = runner.writeConfig(URI);
        MongoToolRunner.Outcome outcome = runner.run(config, List.of("--dir=x"), 60_000);

        assertThat(outcome.exitCode()).isEqualTo(7);
        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.notStarted()).isFalse();
        assertThat(outcome.stderr()).contains("args: --config=" + config + " --dir=x")
                .contains("login with *** failed").doesNotContain("Secret-Pw");
        assertThat(outcome.tail()).isEqualTo(outcome.stderr().strip());
        assertThat(outcome.stderrSuffix("none")).isEqualTo("; stderr:\n" + outcome.tail());
        assertThat(config).doesNotExist();
    }

    @Test
    void theStderrObserverGetsStderrAsItIsWrittenAndTheOutcomeStillHasAllOfIt() throws Exception {
        assumeThat(FileSystems.getDefault().supportedFileAttributeViews()).contains("posix");
        Path script = tmp.resolve("talker.sh");
        Path go = tmp.resolve("go");
        // writes a line, then waits (at most 20 s) until the test saw it before writing the next one
        Files.writeString(script, "#!/bin/sh\necho \"finished restoring shop.a (1 document, 0 failures)\" >&2\n"
                + "i=0; while [ ! -f '" + go + "' ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\n"
                + "echo \"second line, Secret-Pw\" >&2\n");
        assertThat(script.toFile().setExecutable(true, true)).isTrue();
        java.io.ByteArrayOutputStream observed = new java.io.ByteArrayOutputStream();
        MongoToolRunner runner = new MongoToolRunner("mongotool", script.toString(), tmp, Masking.forUri(URI)::mask)
                .withStderrObserver(observed);
        Path config = runner.writeConfig(URI);

        java.util.concurrent.CompletableFuture<MongoToolRunner.Outcome> run =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> runner.run(config, List.of(), 60_000));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15))
                .until(() -> observed.toString(java.nio.charset.StandardCharsets.UTF_8).contains("finished restoring shop.a"));
        assertThat(run).isNotDone(); // seen while the program still runs
        Files.createFile(go);
        MongoToolRunner.Outcome outcome = run.get(30, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(outcome.exitCode()).isZero();
        assertThat(outcome.stderr()).isEqualTo("finished restoring shop.a (1 document, 0 failures)\nsecond line, ***\n");
        assertThat(observed.toString(java.nio.charset.StandardCharsets.UTF_8)).endsWith("second line, Secret-Pw\n");
        assertThat(config).doesNotExist();
    }

    @Test
    void aProgramThatCannotStartIsNotStartedAndTheConfigFileIsDeleted() throws IOException {
        Path missing = tmp.resolve("no-such-tool");
        MongoToolRunner runner = new MongoToolRunner("mongotool", missing.toString(), tmp, Masking.forUri(URI)::mask);

        Path config = runner.writeConfig(URI);
        MongoToolRunner.Outcome outcome = runner.run(config, List.of(), 60_000);

        assertThat(outcome.notStarted()).isTrue();
        assertThat(outcome.failure()).isNotNull();
        assertThat(outcome.failureText()).isNotBlank().doesNotContain("Secret-Pw");
        assertThat(outcome.stderrSuffix("none")).isEqualTo("none");
        assertThat(config).doesNotExist();
    }
}
