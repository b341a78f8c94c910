package org.ipfsbackup.camel;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A mongodump that fails, through the real routes: the backup fails in backup-dump, nothing reaches the cluster, no
 * manifest entry is written, the work directory is cleaned, and the alert mail names mongodump's last stderr line.
 * (The stand-ins are scripts; the same failures with the real mongodump are in MongodumpStackTest.)
 */
class MongodumpFailureRouteTest {
    InJvmMongo mongo;
    FakeCluster cluster;
    GreenMail smtp;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        try (MongoClient c = MongoClients.create(mongo.uri())) {
            c.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 1));
        }
        cluster = new FakeCluster();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
    }

    @AfterEach
    void tearDown() {
        smtp.stop();
        cluster.close();
        mongo.close();
    }

    private BackupApplication start(Path mongodump) throws Exception {
        return start(mongodump, Map.of());
    }

    private BackupApplication start(Path mongodump, Map<String, String> more) throws Exception {
        Map<String, String> o = TestSettings.routeTest(mongo.uri(), cluster.url(), dir.resolve("work"));
        o.put("dump.engine", "mongodump");
        o.put("dump.mongodump-path", mongodump.toString());
        o.put("dump.oplog", "false");
        o.put("alert.enabled", "true");
        o.put("alert.smtp.host", "127.0.0.1");
        o.put("alert.smtp.port", Integer.toString(smtp.getSmtp().getPort()));
        o.put("alert.smtp.security", "none");
        o.put("alert.from", "ipfs-backup@example.test");
        o.put("alert.to", "ops@example.test");
        o.put("alert.spool-dir", dir.resolve("spool").toString());
        o.putAll(more);
        return TestSettings.start(Project.routes(), o);
    }

    private Path script(String resource) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path target = bin.resolve(resource);
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/dump/" + resource), resource)) {
            Files.copy(in, target);
        }
        assertThat(target.toFile().setExecutable(true, true)).isTrue();
        return target;
    }

    private String alertBody() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 1);
        return GreenMailUtil.getBody(smtp.getReceivedMessages()[0]);
    }

    private void assertNothingKept(BackupApplication app) throws Exception {
        assertThat(cluster.content).as("nothing uploaded").isEmpty();
        try (MongoClient c = MongoClients.create(mongo.uri())) {
            assertThat(c.getDatabase("ipfs_backup").getCollection("backups").countDocuments()).as("no manifest entry").isZero();
        }
        try (Stream<Path> left = Files.list(dir.resolve("work"))) {
            assertThat(left).as("no temp files").isEmpty();
        }
    }

    @Test
    void aMongodumpExitingNonZeroFailsTheBackupAndTheAlertNamesItsLastStderrLine() throws Exception {
        try (BackupApplication app = start(script("fake-mongodump-fail.sh"))) {
            BackupApplication.Outcome o = app.runBackup("full");
            assertThat(o.succeeded()).isFalse();
            assertThat(o.failedStep()).isEqualTo("backup-dump");
            String body = alertBody();
            // the stand-in's last stderr line: "Failed: error connecting to <uri from the --config file>: authentication failed"
            assertThat(body).contains("backup-dump").contains("exit code 3")
                    .contains("Failed: error connecting to " + mongo.uri()).contains("authentication failed");
            assertNothingKept(app);
            // the route's exec endpoint ran it with the URI in the --config file only, and the file is gone
            Path bin = dir.resolve("bin");
            List<String> args = Files.readAllLines(bin.resolve("args.txt"));
            assertThat(String.join(" ", args)).doesNotContain(mongo.uri());
            String config = args.stream().filter(a -> a.startsWith("--config=")).findFirst().orElseThrow().substring("--config=".length());
            assertThat(Files.readString(bin.resolve("config-seen.yaml"))).contains(mongo.uri());
            assertThat(Files.readString(bin.resolve("config-mode.txt")).strip()).isEqualTo("600");
            assertThat(Path.of(config)).as("the --config file after a failed run").doesNotExist();
        }
    }

    @Test
    void aMongodumpThatHangsIsKilledAtTheTimeoutThroughTheExecRoute() throws Exception {
        Path hang = script("fake-mongodump-hang.sh");
        long t0 = System.nanoTime();
        BackupApplication.Outcome o;
        try (BackupApplication app = start(hang, Map.of("dump.timeout", "2s"))) {
            o = app.runBackup("full");
            assertThat(o.succeeded()).isFalse();
            assertThat(o.failedStep()).isEqualTo("backup-dump");
            assertThat(alertBody()).contains("did not finish within PT2S (dump.timeout) and was killed")
                    .contains("dumping shop.orders ...");
            assertNothingKept(app);
        }
        // SIGTERM at 2 s ends the sleep (exec'd in place of the script): well before its 120 s
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
        long pid = Long.parseLong(Files.readString(dir.resolve("bin").resolve("pid.txt")).strip());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    /**
     * A cancelled backup (ipfs-backup cancel: the request on the lease, seen by the holder's cancel watch) and then
     * the next backup in the same instance: that one must run to its end. The stand-in hangs until a {@code go} file
     * exists; then it dumps for longer than the lock's cancel poll (2 s) and writes a real one-document dump.
     */
    @Test
    void afterACancelledBackupTheNextOneInTheSameInstanceSucceeds() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path gated = bin.resolve("mongodump-gated");
        Files.writeString(gated, """
                #!/bin/sh
                if [ "$1" = --version ]; then echo 'mongodump version: 100.10.0'; exit 0; fi
                d=$(dirname "$0")
                out=; prev=; for a in "$@"; do [ "$prev" = --out ] && out=$a; prev=$a; done
                if [ ! -e "$d/go" ]; then
                  echo $$ > "$d/pid.txt"
                  echo "2025-01-01T00:00:00.000+0000	writing shop.orders to $out/shop/orders.bson" >&2
                  exec sleep 120
                fi
                echo "2025-01-01T00:00:00.000+0000	writing shop.orders to $out/shop/orders.bson" >&2
                sleep 5
                mkdir -p "$out/shop"
                printf '{"indexes":[],"collectionName":"orders"}' > "$out/shop/orders.metadata.json"
                cp "$d/orders.bson" "$out/shop/orders.bson"
                echo "2025-01-01T00:00:00.000+0000	done dumping shop.orders (1 document)" >&2
                exit 0
                """);
        assertThat(gated.toFile().setExecutable(true, true)).isTrue();
        Files.write(bin.resolve("orders.bson"), new byte[] {14, 0, 0, 0, 0x10, '_', 'i', 'd', 0, 1, 0, 0, 0, 0}); // {_id: 1}
        try (BackupApplication app = start(gated, Map.of("backup.lock-lease", "6s"));
             MongoClient client = MongoClients.create(mongo.uri());
             org.ipfsbackup.job.BackupLock other = org.ipfsbackup.job.BackupLock.inDatabase(client.getDatabase("ipfs_backup"),
                     java.time.Clock.systemUTC())) {
            java.util.concurrent.CompletableFuture<BackupApplication.Outcome> first =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> app.runBackup("full"));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(bin.resolve("pid.txt")) || first.isDone());
            // as `ipfs-backup cancel` asks from another process: through the lease
            assertThat(other.requestCancel("test cancel")).isPresent();
            BackupApplication.Outcome cancelled = first.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(cancelled.failure()).contains("cancelled").contains("test cancel");
            assertThat(smtp.getReceivedMessages()).as("a cancel is no failure of the system: no alert").isEmpty();

            Files.createFile(bin.resolve("go"));
            long t0 = System.nanoTime();
            BackupApplication.Outcome next = app.runBackup("full");
            assertThat(next.failure()).as("the backup after the cancel, same instance").isNull();
            assertThat(next.entry()).isNotNull();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("it ran its dump to the end").isGreaterThan(Duration.ofSeconds(5));
            assertThat(cluster.content).as("its backup and the manifest uploaded").isNotEmpty();
        }
    }

    @Test
    void aMongodumpThatExitsZeroOverAPartialDumpFailsTheBackupToo() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path partial = bin.resolve("mongodump-partial");
        Files.writeString(partial, """
                #!/bin/sh
                if [ "$1" = --version ]; then echo 'mongodump version: 100.10.0'; exit 0; fi
                out=; prev=; for a in "$@"; do [ "$prev" = --out ] && out=$a; prev=$a; done
                mkdir -p "$out/shop"
                printf '{"indexes":[],"collectionName":"orders"}' > "$out/shop/orders.metadata.json"
                printf '\\100\\000\\000\\000\\002' > "$out/shop/orders.bson"
                echo "2025-01-01T00:00:00.000+0000	done dumping shop.orders (1 document)" >&2
                exit 0
                """);
        assertThat(partial.toFile().setExecutable(true, true)).isTrue();
        try (BackupApplication app = start(partial)) {
            BackupApplication.Outcome o = app.runBackup("full");
            assertThat(o.succeeded()).isFalse();
            assertThat(o.failedStep()).isEqualTo("backup-dump");
            assertThat(alertBody()).contains("wrote a partial dump").contains("shop/orders.bson")
                    .contains("done dumping shop.orders (1 document)");
            assertNothingKept(app);
        }
    }
}
