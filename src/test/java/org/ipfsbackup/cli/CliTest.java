package org.ipfsbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.bson.Document;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as an operator meets it: exit codes, messages on stderr, nothing half-written. */
class CliTest {
    @TempDir
    Path dir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(Map<String, String> env, String... args) {
        return Main.execute(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    Path config(String... lines) throws Exception {
        Path f = dir.resolve("test.properties");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void decryptWithTheWrongKeyFailsClearlyAndWritesNothing() throws Exception {
        Path plain = Files.writeString(dir.resolve("p.txt"), "secret payload");
        Path enc = dir.resolve("p.enc");
        new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000).encrypt(plain, enc);
        Path cfg = config("crypto.kdf.iterations=10000");
        int code = run(Map.of("BACKUP_ENCRYPTION_KEY", "another-key-that-is-long-enough-0123456789"),
                "decrypt", "--config", cfg.toString(), enc.toString(), "-o", dir.resolve("out").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("wrong key");
        assertThat(dir.resolve("out")).doesNotExist();

        assertThat(run(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), "decrypt", "--config", cfg.toString(), enc.toString(),
                "-o", dir.resolve("out").toString())).isZero();
        assertThat(dir.resolve("out")).hasContent("secret payload");
    }

    @Test
    @org.junit.jupiter.api.Timeout(120) // without the check, the job starts and waits for this MongoDB that never answers
    void aClusterUrlWithAPortOutOfRangeStopsStartUpBeforeAnyDump() throws Exception {
        // MongoDB's address is a socket that only listens: any connection attempt (a dump) would queue there
        try (java.net.ServerSocket mongo = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Path work = dir.resolve("work");
            Path cfg = config("mongodb.uri=mongodb://127.0.0.1:" + mongo.getLocalPort() + "/?serverSelectionTimeoutMS=3000",
                    "dump.engine=driver", "ipfs.cluster.node1=http://127.0.0.1:99999", "backup.work-dir=" + work,
                    "crypto.kdf.iterations=10000", "backup.lock-wait=2s");
            int code = run(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), "backup", "full", "--config", cfg.toString());

            assertThat(code).as(err.toString()).isEqualTo(3);
            assertThat(err.toString()).contains("IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1) = 'http://127.0.0.1:99999': port 99999 is out of range 1..65535");
            mongo.setSoTimeout(1);
            assertThatThrownBy(mongo::accept).as("nothing connected to MongoDB").isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(work).satisfiesAnyOf(w -> assertThat(w).doesNotExist(), w -> assertThat(w).isEmptyDirectory());
        }
    }

    @Test
    void missingKeyIsAConfigurationError() throws Exception {
        int code = run(Map.of(), "decrypt", "--config", config().toString(), "x.enc", "-o", "y");
        assertThat(code).isEqualTo(3);
        assertThat(err.toString()).contains("BACKUP_ENCRYPTION_KEY");
    }

    @Test
    void extractRefusesPathTraversalAndLeavesNoTarget() throws Exception {
        Path tgz = dir.resolve("evil.tar.gz");
        try (OutputStream o = Files.newOutputStream(tgz);
             TarArchiveOutputStream t = new TarArchiveOutputStream(new GzipCompressorOutputStream(o))) {
            byte[] b = "x".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("../escape.txt");
            e.setSize(b.length);
            t.putArchiveEntry(e);
            t.write(b);
            t.closeArchiveEntry();
        }
        Path target = dir.resolve("extracted");
        assertThat(run(Map.of(), "extract", tgz.toString(), "-o", target.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("../escape.txt");
        assertThat(target).doesNotExist();
        assertThat(dir.resolveSibling("escape.txt")).doesNotExist();
    }

    @Test
    void backupFullRunsTheRoutesAndPrintsTheEntryAsJson() throws Exception {
        InJvmMongo mongo = InJvmMongo.start(false);
        String uri = mongo.uri();
        try (FakeCluster cluster = new FakeCluster(); MongoClient c = MongoClients.create(uri)) {
            c.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 7).append("total", 12.5));
            Path cfg = config("mongodb.uri=" + uri, "dump.engine=driver", "dump.oplog=false", "ipfs.cluster.node1=" + cluster.url(),
                    "ipfs.pin.timeout=5s", "backup.work-dir=" + dir.resolve("work"), "crypto.kdf.iterations=10000");
            int code = run(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), "backup", "full", "--json", "--config", cfg.toString(),
                    "--routes", Project.routes().toString());
            assertThat(code).as(err.toString()).isZero();
            JsonNode j = new ObjectMapper().readTree(out.toString().strip());
            assertThat(j.get("type").asText()).isEqualTo("full");
            assertThat(cluster.content).containsKey(j.get("cid").asText());
            assertThat(j.get("databases")).hasSize(1);
            assertThat(j.get("manifestCid").asText()).isNotBlank();

            cluster.mode.set(FakeCluster.Mode.EMPTY_BODY);
            assertThat(run(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), "backup", "full", "--config", cfg.toString(),
                    "--routes", Project.routes().toString())).isEqualTo(1);
            assertThat(err.toString()).contains("error: backup failed in step backup-upload").contains("empty body");
        } finally {
            mongo.close();
        }
    }

    @Test
    void theSeedsIpfsNodeNamesAreUsedAndALookAlikeIsWarnedAbout() throws Exception {
        InJvmMongo mongo = InJvmMongo.start(false);
        String uri = mongo.uri();
        try (FakeCluster cluster = new FakeCluster(); MongoClient c = MongoClients.create(uri)) {
            c.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 7).append("total", 12.5));
            Path cfg = config("mongodb.uri=" + uri, "dump.engine=driver", "dump.oplog=false", "ipfs.cluster.node1=" + cluster.url(),
                    "ipfs.pin.timeout=5s", "crypto.kdf.iterations=10000");
            // only the seed's names: BACKUP_TEMP_DIR for the work folder, IPFS_NODE_1_URL for downloads (no IPFS_NODES)
            Map<String, String> env = Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY, "BACKUP_TEMP_DIR", dir.resolve("seed-tmp").toString(),
                    "IPFS_NODE_1_URL", cluster.url(), "IPFS_NODE_URL", "http://127.0.0.1:9");
            assertThat(run(env, "backup", "full", "--json", "--config", cfg.toString(), "--routes", Project.routes().toString()))
                    .as(err.toString()).isZero();
            assertThat(dir.resolve("seed-tmp")).isDirectory();
            String cid = new ObjectMapper().readTree(out.toString().strip()).get("cid").asText();
            assertThat(err.toString()).contains("environment variable IPFS_NODE_URL is not read by ipfs-backup; did you mean IPFS_NODE_1_URL?");
            int before = cluster.requests.size();
            assertThat(run(env, "download", cid, "-o", dir.resolve("b.enc").toString(), "--config", cfg.toString())).as(err.toString()).isZero();
            assertThat(dir.resolve("b.enc")).hasBinaryContent(cluster.content.get(cid));
            assertThat(cluster.requests.subList(before, cluster.requests.size())).anyMatch(r -> r.contains("cat"));
        } finally {
            mongo.close();
        }
    }

    @Test
    void aOneShotCommandBuildsOnlyItsOwnModelAndAnythingElseGetsEveryCommand() {
        assertThat(Main.commandLine("restore").getSubcommands()).containsOnlyKeys("restore");
        assertThat(Main.commandLine("verify").getSubcommands()).containsOnlyKeys("verify");
        java.util.Set<String> all = Main.commandLine(null).getSubcommands().keySet();
        assertThat(all).hasSize(Main.COMMANDS.size()).contains("help", "run", "restore", "drill");
        assertThat(Main.commandLine("help").getSubcommands().keySet()).isEqualTo(all); // help COMMAND needs them
        assertThat(Main.commandLine("restor").getSubcommands().keySet()).isEqualTo(all); // picocli's "did you mean"
        assertThat(Main.commandOf("--log-format", "json", "-v", "restore", "latest")).isEqualTo("restore");
        assertThat(Main.commandOf("--progress", "off", "verify")).isEqualTo("verify");
        assertThat(Main.commandOf("--version")).isNull();
        // no command: the usage with every command, and the version
        out.getBuffer().setLength(0);
        assertThat(run(Map.of(), "--help")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("restore").contains("drill").contains("Exit codes:");
        out.getBuffer().setLength(0);
        assertThat(run(Map.of(), "--version")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("ipfs-backup");
        // a mistyped command still gets picocli's answer, from the model with every command
        assertThat(run(Map.of(), "restor")).isEqualTo(2);
        assertThat(err.toString()).contains("restor").contains("restore");
    }

    @Test
    void everyCommandAnswersHelpWithAnExampleAndTheHelpCommandToo() {
        picocli.CommandLine cl = Main.commandLine(null);
        assertThat(cl.getSubcommands()).hasSizeGreaterThan(10);
        for (String name : cl.getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue;
            }
            out.getBuffer().setLength(0);
            assertThat(run(Map.of(), name, "--help")).as(name + ": " + err).isZero();
            assertThat(out.toString()).as(name).contains("Usage: ipfs-backup " + name).contains("Example:").contains("  ipfs-backup " + name);
            out.getBuffer().setLength(0);
            assertThat(run(Map.of(), "help", name)).as("help " + name).isZero();
            assertThat(out.toString()).contains("Usage: ipfs-backup " + name).contains("Example:");
        }
        out.getBuffer().setLength(0);
        assertThat(run(Map.of(), "help")).isZero();
        assertThat(out.toString()).contains("Exit codes: 0 success, 1 the operation failed");
    }

    @Test
    void aOneShotBackupPrintsProgressOnStderrWithTheFinalCountsWhateverTheLogLevel() throws Exception {
        InJvmMongo mongo = InJvmMongo.start(false);
        try (FakeCluster cluster = new FakeCluster(); MongoClient c = MongoClients.create(mongo.uri())) {
            // enough documents that reading them takes many times the 1 ms interval even on a fast machine (with 2,500
            // read from memory in a few ms, a run printed only 2 lines: the first collection's, then the final one)
            for (int b = 0; b < 20; b++) {
                List<Document> batch = new java.util.ArrayList<>();
                for (int i = b * 1000; i < (b + 1) * 1000; i++) {
                    batch.add(new Document("_id", i).append("total", i * 1.5));
                }
                c.getDatabase("shop").getCollection("orders").insertMany(batch);
            }
            c.getDatabase("shop").getCollection("customers").insertOne(new Document("_id", "ann"));
            Path cfg = config("mongodb.uri=" + mongo.uri(), "dump.engine=driver", "dump.oplog=false", "ipfs.cluster.node1=" + cluster.url(),
                    "ipfs.pin.timeout=5s", "backup.work-dir=" + dir.resolve("work"), "crypto.kdf.iterations=10000");
            int code = run(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY, "BACKUP_PROGRESS_INTERVAL", "1ms"), "backup", "full", "--json",
                    "--progress", "lines", "--config", cfg.toString(), "--routes", Project.routes().toString());
            assertThat(code).as(err.toString()).isZero();
            JsonNode j = new ObjectMapper().readTree(out.toString().strip());
            long uploaded = cluster.content.get(j.get("cid").asText()).length;
            List<String> lines = err.toString().lines().toList();
            // a line per 1024 documents read and per collection done (interval 1 ms), then the final counts
            assertThat(lines.stream().filter(l -> l.startsWith("dump: documents: ")).count()).as(err.toString()).isGreaterThanOrEqualTo(3);
            assertThat(lines).as(err.toString()).anyMatch(l -> l.startsWith("dump: documents: 20001 of 20001 (100%), ")
                    && l.endsWith("/s, 2 of 2 collections"));
            String total = org.ipfsbackup.status.HumanSize.of(uploaded);
            assertThat(lines).as(err.toString()).anyMatch(l -> l.startsWith("uploading " + j.get("fileName").asText() + ": " + total + " of " + total + " (100%), "));
            assertThat(j.get("documents").asLong()).isEqualTo(20001);
        } finally {
            mongo.close();
        }
    }

    @Test
    void aOneShotCommandLogsOnlyWarningsByDefaultAndItsFailureEndsWithOneErrorLine() throws Exception {
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(stderr, true));
        InJvmMongo mongo = InJvmMongo.start(false);
        try {
            // the cluster does not answer: the backup fails in its upload step
            Path cfg = config("mongodb.uri=" + mongo.uri(), "dump.engine=driver", "dump.oplog=false", "ipfs.cluster.node1=http://127.0.0.1:9",
                    "ipfs.retry.attempts=0", "crypto.kdf.iterations=10000", "backup.work-dir=" + dir.resolve("w"));
            int code = run(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), "backup", "full", "--config", cfg.toString(),
                    "--routes", Project.routes().toString());
            assertThat(code).isEqualTo(1);
        } finally {
            System.setErr(old);
            mongo.close();
            Main.configureLogging(Map.of()); // back to the service's logging for the other tests
        }
        assertThat(stderr.toString()).as(stderr.toString()).doesNotContain(" INFO ");
        List<String> lines = err.toString().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines.get(lines.size() - 1)).startsWith("error: backup failed in step backup-upload")
                .contains("check that the IPFS Cluster peers (IPFS_CLUSTER_NODE_1/2) answer");
        assertThat(lines.stream().filter(l -> l.startsWith("error: "))).hasSize(1);
    }

    @Test
    void statusIsDegradedBeforeTheFirstBackupAndHealthyAfterItWithItsWindow() throws Exception {
        InJvmMongo mongo = InJvmMongo.start(false);
        try (FakeCluster cluster = new FakeCluster()) {
            Path cfg = config("mongodb.uri=" + mongo.uri(), "dump.engine=driver", "dump.oplog=false", "ipfs.cluster.node1=" + cluster.url(),
                    "ipfs.nodes=" + cluster.url(), "ipfs.pin.timeout=5s", "backup.work-dir=" + dir.resolve("work"),
                    "crypto.kdf.iterations=10000", "alert.spool-dir=" + dir.resolve("spool"));
            Map<String, String> env = Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY);
            assertThat(run(env, "status", "--config", cfg.toString())).as(err.toString()).isEqualTo(1);
            assertThat(out.toString()).startsWith("DEGRADED").contains("no successful backup in the manifest");

            assertThat(run(env, "backup", "full", "--json", "--config", cfg.toString(), "--routes", Project.routes().toString()))
                    .as(err.toString()).isZero();
            String cid = new ObjectMapper().readTree(out.toString().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow())
                    .get("cid").asText();
            out.getBuffer().setLength(0);
            assertThat(run(env, "status", "--json", "--config", cfg.toString())).as(out + " " + err).isZero();
            JsonNode s = new ObjectMapper().readTree(out.toString());
            assertThat(s.get("healthy").asBoolean()).isTrue();
            assertThat(s.at("/lastSuccess/full/cid").asText()).isEqualTo(cid);
            assertThat(s.at("/pins/" + cid + "/pinnedOn").asInt()).isEqualTo(2);
            assertThat(s.at("/nextRuns/full").asText()).isNotBlank();
            assertThat(s.at("/lock/running").isNull()).isTrue();
            assertThat(s.get("peers")).hasSize(2);
            assertThat(s.at("/storage").size()).isEqualTo(1);
            // dump.oplog=false: the full holds no oplog position; it is consistent at the time it was taken
            assertThat(s.at("/window/from").asText()).isEqualTo(s.at("/lastSuccess/full/time").asText()).isEqualTo(s.at("/window/to").asText());

            out.getBuffer().setLength(0);
            assertThat(run(env, "list", "--config", cfg.toString())).isZero();
            assertThat(out.toString()).contains("SIZE").containsPattern(cid + "\\s+\\d+(\\.\\d)? (B|KiB)\\s")
                    .contains("restorable window of each chain");
            out.getBuffer().setLength(0);
            assertThat(run(env, "list", "--json", "--config", cfg.toString())).isZero();
            JsonNode row = new ObjectMapper().readTree(out.toString()).get(0);
            assertThat(row.get("size").isIntegralNumber()).isTrue();
            assertThat(row.at("/chainWindow/from").asText()).isEqualTo(s.at("/window/from").asText());

            cluster.lostOnPeerB.add(cid);
            out.getBuffer().setLength(0);
            assertThat(run(env, "status", "--config", cfg.toString())).isEqualTo(1);
            assertThat(out.toString()).contains("backup " + cid + " is pinned on 1 of 2 peers");
        } finally {
            mongo.close();
        }
    }

    @Test
    void anUnsupportedMongodumpStopsStartUpWithExitCode3NamingBothVersions() throws Exception {
        Path old = dir.resolve("mongodump");
        Files.writeString(old, "#!/bin/sh\necho 'mongodump version: 100.3.1'\necho 'git version: 0000'\n");
        assertThat(old.toFile().setExecutable(true, true)).isTrue();
        Path cfg = config("mongodb.uri=mongodb://127.0.0.1:9/", "ipfs.cluster.node1=http://127.0.0.1:9",
                "backup.work-dir=" + dir.resolve("work"), "crypto.kdf.iterations=10000", "dump.mongodump-path=" + old);
        int code = run(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), "backup", "full",
                "--config", cfg.toString(), "--routes", Project.routes().toString());
        assertThat(code).as(err.toString()).isEqualTo(3);
        assertThat(err.toString()).contains("mongodump at " + old).contains("is version 100.3.1")
                .contains("needs mongodump 100.10.0 or a later 100.x");
        assertThat(dir.resolve("work")).satisfiesAnyOf(w -> assertThat(w).doesNotExist(), w -> assertThat(w).isEmptyDirectory());
    }

    @Test
    void unknownBackupTypeIsAUsageError() {
        assertThat(run(Map.of(), "backup", "weekly")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown backup type 'weekly'");
    }

    @Test
    void anUnknownRestoreEngineIsAUsageErrorBeforeAnythingIsRead() {
        // no key, no MongoDB: refused before either is needed
        assertThat(run(Map.of("MONGODB_URI", "mongodb://127.0.0.1:9/"), "restore", "latest", "--target-uri", "mongodb://127.0.0.1:9/",
                "--engine", "pg_restore")).isEqualTo(2);
        assertThat(err.toString()).contains("--engine must be auto, driver or mongorestore, got 'pg_restore'");
    }

    @Test
    void aRestoreWithNoBackupToRestoreSaysSoAndTheTargetIsLeftAsItWas() throws Exception {
        try (InJvmMongo source = InJvmMongo.start(false); InJvmMongo target = InJvmMongo.start(false);
             MongoClient t = MongoClients.create(target.uri())) {
            t.getDatabase("app").getCollection("kept").insertOne(new Document("_id", 1));
            Path cfg = config("crypto.kdf.iterations=10000", "backup.work-dir=" + dir.resolve("work"));
            int code = run(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY, "MONGODB_URI", source.uri()),
                    "restore", "latest", "--config", cfg.toString(), "--target-uri", target.uri(), "--drop", "--engine", "driver");
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("error: the manifest holds no complete full backup: nothing to restore").doesNotContain("restore plan:").doesNotContain("restore engine:");
            assertThat(t.getDatabase("app").getCollection("kept").countDocuments()).isEqualTo(1);
        }
    }
}
