package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.OplogPosition;

import org.ipfsbackup.testing.InJvmMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The mongodump engine's process handling, with stand-in scripts for mongodump (src/test/resources/dump) and a
 * mongo-java-server for the engine's own driver queries. The settings' URI carries a password that only the
 * --config file may see.
 */
class MongodumpEngineTest {

    private static final String PASSWORD = "Pa55w0rd-Very-Secret";

    @TempDir
    Path tmp;

    private InJvmMongo mongo;
    private Path scriptDir;
    private Path configDir;

    @BeforeEach
    void start() throws IOException {
        mongo = InJvmMongo.start(true);
        mongo.client().getDatabase("shop").getCollection("orders").insertOne(new org.bson.Document("sku", "a"));
        mongo.client().getDatabase("analytics").getCollection("events").insertOne(new org.bson.Document("kind", "x"));
        scriptDir = Files.createDirectories(tmp.resolve("bin"));
        configDir = Files.createDirectories(tmp.resolve("private"));
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private Path script(String name) throws IOException {
        Path target = scriptDir.resolve(name);
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/dump/" + name), name)) {
            Files.copy(in, target);
        }
        assertThat(target.toFile().setExecutable(true, true)).isTrue();
        return target;
    }

    private DumpSettings settings(Path mongodump) {
        return DumpSettings.of(mongo.uriWithCredentials("backup", PASSWORD)).withEngine("mongodump")
                .withMongodumpPath(mongodump.toString());
    }

    @Test
    void failureCarriesExitCodeAndStderrWithoutThePasswordAndRemovesTheConfigFile() throws Exception {
        Path fake = script("fake-mongodump-fail.sh");
        MongodumpEngine engine = new MongodumpEngine(settings(fake), fake, configDir, mongo.client());
        Path out = tmp.resolve("out");

        assertThatThrownBy(() -> engine.dumpFull(out))
                .isInstanceOfSatisfying(DumpException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.timedOut()).isFalse();
                    assertThat(e.engine()).isEqualTo("mongodump");
                    assertThat(e.stderr()).contains("writing shop.orders to dump/shop/orders.bson")
                            .contains("authentication failed").doesNotContain(PASSWORD);
                })
                .hasMessageStartingWith("mongodump engine: ")
                .hasMessageContaining("exit code 3")
                .hasMessageContaining("Failed: error connecting to mongodb://***@127.0.0.1:")
                .hasMessageContaining("authentication failed")
                .hasMessageNotContaining(PASSWORD);

        // mongodump did get the URI, password and all, through a file only its owner could read ...
        assertThat(Files.readString(scriptDir.resolve("config-seen.yaml")))
                .isEqualTo("uri: \"" + mongo.uriWithCredentials("backup", PASSWORD) + "\"\n");
        assertThat(Files.readString(scriptDir.resolve("config-mode.txt")).strip()).isEqualTo("600");
        // ... which is gone now, and never on the command line
        try (Stream<Path> left = Files.list(configDir)) {
            assertThat(left).isEmpty();
        }
        List<String> args = Files.readAllLines(scriptDir.resolve("args.txt"));
        assertThat(args).noneMatch(a -> a.contains("mongodb://") || a.contains(PASSWORD));
        assertThat(args.get(0)).startsWith("--config=" + configDir.resolve("mongodump-")).endsWith(".yaml");
        // first selected database (by name), one run per database since admin is excluded by default
        assertThat(args.subList(1, args.size())).containsExactly(
                "--out", out.toString(), "--db", "analytics", "--readPreference", "secondary");
    }

    @Test
    void theSeedsTlsUriReachesMongodumpWholeThroughTheConfigFileOnly() throws Exception {
        Path fake = script("fake-mongodump-fail.sh");
        // the seed's MONGODB_URI shape; the engine's own queries go to the shared (plain) test server
        String tlsUri = mongo.uriWithCredentials("backup", PASSWORD) + "?tls=true&tlsCAFile=" + tmp.resolve("ca.pem")
                + "&tlsAllowInvalidCertificates=true&authSource=admin&readPreference=secondary";
        DumpSettings settings = DumpSettings.of(tlsUri).withEngine("mongodump").withMongodumpPath(fake.toString());
        MongodumpEngine engine = new MongodumpEngine(settings, fake, configDir, mongo.client());
        Path out = tmp.resolve("out");

        assertThatThrownBy(() -> engine.dumpFull(out)).isInstanceOf(DumpException.class).hasMessageNotContaining(PASSWORD);

        assertThat(Files.readString(scriptDir.resolve("config-seen.yaml"))).isEqualTo("uri: \"" + tlsUri + "\"\n");
        List<String> args = Files.readAllLines(scriptDir.resolve("args.txt"));
        assertThat(args).noneMatch(a -> a.contains("mongodb://") || a.contains(PASSWORD) || a.contains("ca.pem"));
        // the read preference comes with the URI, so no --readPreference flag; tlsAllowInvalidCertificates, which
        // mongo-tools 100.10.0 ignores in a URI, also as --tlsInsecure
        assertThat(args.subList(1, args.size())).containsExactly("--out", out.toString(), "--db", "analytics", "--tlsInsecure");
    }

    @Test
    void oplogDumpFailureAlsoCleansUpQueryAndConfigFiles() throws Exception {
        Path fake = script("fake-mongodump-fail.sh");
        MongodumpEngine engine = new MongodumpEngine(settings(fake), fake, configDir, mongo.client());
        OplogPosition oldest = OplogPosition.of(mongo.client().getDatabase("local").getCollection("oplog.rs")
                .find().first().get("ts", org.bson.BsonTimestamp.class));
        Path out = tmp.resolve("incr");

        assertThatThrownBy(() -> engine.dumpOplog(oldest, out))
                .isInstanceOfSatisfying(DumpException.class, e -> assertThat(e.exitCode()).isEqualTo(3))
                .hasMessageContaining("oplog copy").hasMessageNotContaining(PASSWORD);

        List<String> args = Files.readAllLines(scriptDir.resolve("args.txt"));
        assertThat(args.subList(1, 7)).containsExactly("--db", "local", "--collection", "oplog.rs", "--query",
                MongodumpEngine.oplogQuery(oldest, null));
        assertThat(args.subList(7, args.size())).startsWith("--out").contains("--readPreference", "secondary");
        try (Stream<Path> left = Files.list(configDir)) {
            assertThat(left).as("config and query files removed").isEmpty();
        }
        try (Stream<Path> left = Files.list(out)) {
            assertThat(left).as("capture directory removed").isEmpty();
        }
    }

    @Test
    void aHangingMongodumpIsKilledAtTheTimeout() throws Exception {
        Path fake = script("fake-mongodump-hang.sh");
        MongodumpEngine engine = new MongodumpEngine(settings(fake).withTimeout(Duration.ofSeconds(2)), fake, configDir,
                mongo.client());
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> engine.dumpFull(tmp.resolve("out")))
                .isInstanceOfSatisfying(DumpException.class, e -> {
                    assertThat(e.timedOut()).isTrue();
                    assertThat(e.stderr()).contains("dumping shop.orders ...");
                })
                .hasMessageContaining("did not finish within PT2S (dump.timeout) and was killed")
                .hasMessageContaining("dumping shop.orders ...");

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("killed, not waited for").isLessThan(Duration.ofSeconds(60));
        long pid = Long.parseLong(Files.readString(scriptDir.resolve("pid.txt")).strip());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true));
        try (Stream<Path> left = Files.list(configDir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aMissingExecutableIsAFailureNotAHang() {
        Path missing = tmp.resolve("no-such-mongodump");
        MongodumpEngine engine = new MongodumpEngine(settings(missing), missing, configDir, mongo.client());
        assertThatThrownBy(() -> engine.dumpFull(tmp.resolve("out")))
                .isInstanceOfSatisfying(DumpException.class, e -> assertThat(e.exitCode()).isNull())
                .hasMessageContaining("could not run " + missing);
    }

    @Test
    void argumentsComeFromSettings() throws Exception {
        Path fake = script("fake-mongodump-fail.sh");
        Path out = tmp.resolve("o");
        MongodumpEngine secondary = new MongodumpEngine(settings(fake), fake, configDir);
        assertThat(secondary.fullArgs(out)).containsExactly("--out", out.toString(), "--oplog", "--readPreference", "secondary");
        assertThat(secondary.databaseArgs(out, "shop")).containsExactly("--out", out.toString(), "--db", "shop",
                "--readPreference", "secondary");
        assertThat(secondary.oplogArgs("{}", out)).containsExactly("--db", "local", "--collection",
                "oplog.rs", "--query", "{}", "--out", out.toString(), "--readPreference", "secondary");

        // a read preference in the URI reaches mongodump with the URI, not as a flag too
        DumpSettings fromUri = DumpSettings.of(mongo.uri() + "?readPreference=secondaryPreferred").withEngine("mongodump");
        assertThat(new MongodumpEngine(fromUri, fake, configDir).databaseArgs(out, "shop"))
                .containsExactly("--out", out.toString(), "--db", "shop");
        assertThat(new MongodumpEngine(settings(fake).withReadPreference("nearest"), fake, configDir).fullArgs(out))
                .containsSubsequence("--readPreference", "nearest");

        // mongo-tools 100.10.0 ignores tlsAllowInvalidCertificates in the URI: it gets --tlsInsecure (seen hanging on
        // the stack's TLS FerretDB without it)
        DumpSettings insecure = DumpSettings.of("mongodb://127.0.0.1:1/?tls=true&tlsAllowInvalidCertificates=true&readPreference=secondaryPreferred")
                .withEngine("mongodump");
        assertThat(new MongodumpEngine(insecure, fake, configDir).fullArgs(out)).containsExactly("--out", out.toString(), "--oplog", "--tlsInsecure");
        assertThat(new MongodumpEngine(insecure, fake, configDir).oplogArgs("{}", out)).endsWith("--tlsInsecure");
        DumpSettings checked = DumpSettings.of("mongodb://127.0.0.1:1/?tls=true&readPreference=secondaryPreferred").withEngine("mongodump");
        assertThat(new MongodumpEngine(checked, fake, configDir).fullArgs(out)).doesNotContain("--tlsInsecure");
    }

    @Test
    void oplogQueryText() {
        assertThat(MongodumpEngine.oplogQuery(new OplogPosition(1700000000L, 5), new OplogPosition(4294967295L, -1)))
                .isEqualTo("{\"ts\":{\"$gte\":{\"$timestamp\":{\"t\":1700000000,\"i\":5}},"
                        + "\"$lte\":{\"$timestamp\":{\"t\":4294967295,\"i\":4294967295}}}}");
        assertThat(MongodumpEngine.oplogQuery(new OplogPosition(1, 2), null))
                .isEqualTo("{\"ts\":{\"$gte\":{\"$timestamp\":{\"t\":1,\"i\":2}}}}");
    }

    @Test
    void autoPicksMongodumpWhenExecutableElseDriver() throws Exception {
        Path fake = script("fake-mongodump-fail.sh");
        DumpSettings auto = DumpSettings.of(mongo.uri());
        assertThat(DumpEngines.create(auto.withMongodumpPath(fake.toString()), configDir))
                .isInstanceOfSatisfying(MongodumpEngine.class, e -> assertThat(e.executable()).isEqualTo(fake.toAbsolutePath()));
        assertThat(DumpEngines.create(auto.withMongodumpPath(tmp.resolve("nope").toString()), configDir))
                .isInstanceOf(DriverDumpEngine.class);
        assertThat(DumpEngines.create(auto.withEngine("driver").withMongodumpPath(fake.toString()), configDir).name())
                .isEqualTo("driver");
        assertThatThrownBy(() -> DumpEngines.create(auto.withEngine("mongodump").withMongodumpPath("no-such-mongodump-xyz"), configDir))
                .isInstanceOf(org.ipfsbackup.config.ConfigException.class).hasMessageContaining("dump.mongodump-path")
                .hasMessageContaining("on PATH");

        // bare names are looked up on PATH
        assertThat(DumpEngines.findExecutable(fake.getFileName().toString(), "/nonexistent:" + scriptDir)).contains(fake.toAbsolutePath());
        assertThat(DumpEngines.findExecutable(fake.getFileName().toString(), "/nonexistent")).isEqualTo(Optional.empty());
        Path notExecutable = Files.writeString(scriptDir.resolve("plain"), "#!/bin/sh\n");
        assertThat(DumpEngines.findExecutable("plain", scriptDir.toString())).isEmpty();
        assertThat(notExecutable).exists();
    }
}
