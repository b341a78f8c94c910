package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;
import org.ipfsbackup.observe.LogSetup;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The log of a backup, as the operator gets it with BACKUP_LOG_DIR (and BACKUP_LOG_FORMAT=json): one line per step
 * with the backup's name, the step, its outcome, its own duration and its bytes; and no credential anywhere, even
 * where Camel prints a configured URI with user:password in it.
 */
class StepLogTest {
    static final String CLUSTER_PASSWORD = "Cluster-Pw-4f9a1c77e2";
    static final String MONGO_PASSWORD = "Mongo-Pw-b81d3e55aa";
    static final List<String> STEPS = List.of("backup-full", "backup-dump", "backup-archive", "backup-encrypt", "backup-upload", "ipfs-add",
            "backup-pin-verify", "backup-record", "manifest-publish", "backup-cleanup");

    InJvmMongo mongo;
    int mongoPort;
    FakeCluster cluster;
    @TempDir
    Path work;
    @TempDir
    Path logs;
    BackupApplication app;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        mongoPort = mongo.port();
        try (MongoClient c = MongoClients.create("mongodb://127.0.0.1:" + mongoPort)) {
            c.getDatabase("shop").getCollection("customers").insertMany(List.of(new Document("_id", 1).append("name", "Ada"),
                    new Document("_id", 2).append("name", "Grace")));
        }
        cluster = new FakeCluster();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
        }
        cluster.close();
        mongo.close();
        // back to the test configuration (logback-test.xml)
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        new ContextInitializer(ctx).autoConfig();
    }

    BackupApplication start(String mongoUri) throws Exception {
        Map<String, String> o = TestSettings.routeTest(mongoUri, cluster.url(), work);
        // a MongoDB that refuses the login: the full backup gives up waiting for its lock after this
        o.put("backup.lock-wait", "2s");
        o.put("dump.oplog", "false");
        o.put("ipfs.cluster.username", "backup");
        Map<String, String> env = new HashMap<>();
        env.put("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY);
        env.put("IPFS_CLUSTER_PASSWORD", CLUSTER_PASSWORD);
        return BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(), o, env, false));
    }

    @Test
    void oneTextLinePerStepInTheLogFileWithoutCredentials() throws Exception {
        assertThat(LogSetup.configure(Map.of("BACKUP_LOG_DIR", logs.toString()))).isTrue();
        app = start("mongodb://127.0.0.1:" + mongoPort);
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.failure()).isNull();
        String name = o.entry().fileName();
        app.close();
        app = null;

        String log = Files.readString(logs.resolve(LogSetup.FILE_NAME));
        Pattern line = Pattern.compile("(?m) ipfs-backup\\.step - backup=(\\S+) step=(\\S+) outcome=(\\S+) durationMs=(\\d+) bytes=(\\S+)$");
        Map<String, String[]> byStep = new HashMap<>();
        Matcher m = line.matcher(log);
        while (m.find()) {
            byStep.putIfAbsent(m.group(2), new String[] {m.group(1), m.group(3), m.group(4), m.group(5)});
        }
        assertThat(byStep.keySet()).containsAll(STEPS);
        for (String step : STEPS) {
            assertThat(byStep.get(step)[0]).as(step).isEqualTo(name);
            assertThat(byStep.get(step)[1]).as(step).isEqualTo("ok");
        }
        // bytes: the dump's .bson bytes, the archive, then the encrypted size for the steps that move that file
        long encrypted = o.entry().size();
        assertThat(Long.parseLong(byStep.get("backup-dump")[3])).isPositive();
        assertThat(Long.parseLong(byStep.get("backup-archive")[3])).isPositive().isLessThan(encrypted);
        for (String step : List.of("backup-encrypt", "backup-upload", "backup-pin-verify", "backup-record")) {
            assertThat(byStep.get(step)[3]).as(step).isEqualTo(Long.toString(encrypted));
        }
        // the steps do not nest: each step line is that step's own time; the entry's line covers the whole run
        assertThat(Long.parseLong(byStep.get("backup-full")[2])).isGreaterThanOrEqualTo(Long.parseLong(byStep.get("backup-dump")[2]));
        assertThat(log).contains("ipfs-backup configured");
        assertThat(log).doesNotContain(CLUSTER_PASSWORD);
    }

    @Test
    void jsonLinesAndAMongoUriWithCredentialsNeverShowsItsPassword() throws Exception {
        assertThat(LogSetup.configure(Map.of("BACKUP_LOG_DIR", logs.toString(), "BACKUP_LOG_FORMAT", "json"))).isTrue();
        // mongo-java-server has no authentication: the driver's login fails, so the backup fails at its first step
        app = start("mongodb://backup:" + MONGO_PASSWORD + "@127.0.0.1:" + mongoPort + "/?authSource=admin&serverSelectionTimeoutMS=3000");
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.failure()).isNotNull();
        app.close();
        app = null;

        String log = Files.readString(logs.resolve(LogSetup.FILE_NAME));
        assertThat(log).doesNotContain(MONGO_PASSWORD).doesNotContain(CLUSTER_PASSWORD);
        // the configured URI was logged (Camel's start-up summary, the failure), masked
        assertThat(log).contains("mongodb://***@127.0.0.1:" + mongoPort);
        ObjectMapper json = new ObjectMapper();
        boolean stepLine = false;
        for (String l : log.split("\n")) {
            JsonNode n = json.readTree(l);
            assertThat(n.has("time") && n.has("level") && n.has("logger") && n.has("message")).as(l).isTrue();
            if ("ipfs-backup.step".equals(n.path("logger").asText()) && "backup-full".equals(n.path("fields").path("step").asText())) {
                stepLine = true;
                assertThat(n.path("fields").path("outcome").asText()).isEqualTo("failed");
                assertThat(n.path("fields").path("durationMs").asText()).matches("\\d+");
                assertThat(n.path("fields").has("bytes")).isTrue();
            }
        }
        assertThat(stepLine).as("a JSON step line for backup-full").isTrue();
    }
}
