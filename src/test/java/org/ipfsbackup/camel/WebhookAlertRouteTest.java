package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Endpoint;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerts to a Slack-compatible webhook (camel-http), here the only alert channel: a real HTTP server on loopback
 * records what is posted; while it answers 500 the alert is kept and posted once it answers 200.
 */
class WebhookAlertRouteTest {
    static final String TOKEN_PATH = "/services/T000/B000/SeCrEtToKeN123";
    InJvmMongo mongo;
    FakeCluster cluster;
    HttpServer hook;
    final List<String> posted = new CopyOnWriteArrayList<>();
    final List<String> paths = new CopyOnWriteArrayList<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(200);
    BackupApplication app;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        try (MongoClient c = MongoClients.create(mongo.uri())) {
            c.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 1));
        }
        cluster = new FakeCluster();
        hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            int code = status.get();
            if (code == 200) {
                posted.add(new String(body, StandardCharsets.UTF_8));
                paths.add(ex.getRequestURI().toString());
                contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
            }
            byte[] answer = (code == 200 ? "ok" : "internal_error").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        hook.start();
        Map<String, String> o = TestSettings.routeTest(mongo.uri(), cluster.url(), dir.resolve("work"));
        o.put("dump.oplog", "false");
        o.put("alert.enabled", "true");
        o.put("alert.spool-dir", dir.resolve("spool").toString());
        o.put("alert.retry-interval", "200");
        o.put("ipfs.nodes", cluster.url());
        String url = "http://127.0.0.1:" + hook.getAddress().getPort() + TOKEN_PATH + "?channel=ops";
        app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(), o,
                Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY, "ALERT_WEBHOOK_URL", url), false));
    }

    @AfterEach
    void tearDown() {
        app.close();
        hook.stop(0);
        cluster.close();
        mongo.close();
    }

    @Test
    void aFailedBackupIsPostedAsSlackJsonAndTheTokenIsNeverShownInTheEndpoint() throws Exception {
        cluster.mode.set(FakeCluster.Mode.EMPTY_BODY);
        assertThat(app.runBackup("full").succeeded()).isFalse();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> posted.size() == 1);
        Map<String, Object> json = new ObjectMapper().readValue(posted.get(0), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        assertThat(json.keySet()).containsExactly("text");
        assertThat((String) json.get("text")).startsWith("*[ipfs-backup][CRITICAL] backup failure (full)*")
                .contains("backup-upload").contains("full_backup_").doesNotContain(Project.TEST_KEY).doesNotContain("SeCrEtToKeN123");
        assertThat(paths).containsExactly(TOKEN_PATH + "?channel=ops");
        assertThat(contentTypes.get(0)).startsWith("application/json");
        for (Endpoint e : app.context().getEndpoints()) {
            assertThat(e.getEndpointUri()).doesNotContain("SeCrEtToKeN123");
        }

        cluster.mode.set(FakeCluster.Mode.OK);
        assertThat(app.runBackup("full").succeeded()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> posted.size() == 2);
        assertThat((String) new ObjectMapper().readValue(posted.get(1), Map.class).get("text"))
                .startsWith("*[ipfs-backup][RESOLVED] backup failure (full)*");
    }

    @Test
    void whileTheWebhookAnswers500TheAlertIsKeptAndPostedWhenItRecovers() throws Exception {
        status.set(500);
        cluster.mode.set(FakeCluster.Mode.NEVER_PINNED);
        assertThat(app.runBackup("full").succeeded()).isFalse();
        Path spool = dir.resolve("spool").resolve("webhook");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> spooled(spool) == 1);
        assertThat(Files.readString(only(spool))).contains("PIN_FAILURE").contains("answered HTTP 500").doesNotContain("SeCrEtToKeN123");
        assertThat(posted).isEmpty();

        status.set(200);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> posted.size() == 1 && spooled(spool) == 0);
        assertThat((String) new ObjectMapper().readValue(posted.get(0), Map.class).get("text")).contains("IPFS pin failure (full)");
    }

    static long spooled(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    static Path only(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
    }
}
