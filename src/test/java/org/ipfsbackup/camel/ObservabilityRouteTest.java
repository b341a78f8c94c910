package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The operations surface of a running application: /observe/metrics (the application's metrics with the values of
 * the run, and Camel's route metrics), /observe/health (each check, 503 when one is DOWN), and Jolokia over HTTP
 * (route statistics; disallowed operations refused), on a management server bound to a free loopback port.
 */
class ObservabilityRouteTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    InJvmMongo mongo;
    String mongoUri;
    FakeCluster cluster;
    @TempDir
    Path work;
    BackupApplication app;
    int port;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        mongoUri = mongo.uri();
        try (MongoClient c = MongoClients.create(mongoUri)) {
            c.getDatabase("shop").getCollection("customers").insertMany(List.of(new Document("_id", 1).append("name", "Ada"),
                    new Document("_id", 2).append("name", "Grace")));
        }
        cluster = new FakeCluster();
        port = freePort();
    }

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        cluster.close();
        mongo.close();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The route-test settings with the management server on (one-shot starts turn it off by default). */
    Map<String, String> overrides() {
        Map<String, String> m = TestSettings.routeTest(mongoUri, cluster.url(), work);
        m.put("dump.oplog", "false");
        m.put("camel.management.enabled", "true");
        m.put("camel.management.port", Integer.toString(port));
        return m;
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode jolokia(String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/jolokia"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("metric line " + series + " in\n" + metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    @Test
    void metricsHealthAndJolokiaShowTheBackupThatRan() throws Exception {
        app = TestSettings.start(Project.routes(), overrides());
        // before any backup: MongoDB and the cluster are UP, the last-backup check DOWN, so the endpoint answers 503
        HttpResponse<String> before = get("/observe/health");
        assertThat(before.statusCode()).isEqualTo(503);
        JsonNode h0 = JSON.readTree(before.body());
        assertThat(check(h0, "mongodb").path("status").asText()).isEqualTo("UP");
        assertThat(check(h0, "ipfs-cluster").path("status").asText()).isEqualTo("UP");
        assertThat(check(h0, "last-backup").path("status").asText()).isEqualTo("DOWN");
        assertThat(check(h0, "last-backup").path("message").asText()).contains("no successful backup");

        double startedAt = Instant.now().toEpochMilli() / 1000.0;
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.failure()).isNull();
        double endedAt = Instant.now().toEpochMilli() / 1000.0;

        HttpResponse<String> metrics = get("/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        String text = metrics.body();
        assertThat(value(text, "ipfs_backup_backups_total{outcome=\"success\",type=\"full\"}")).isEqualTo(1.0);
        assertThat(value(text, "ipfs_backup_backups_total{outcome=\"failure\",type=\"full\"}")).isEqualTo(0.0);
        assertThat(value(text, "ipfs_backup_backups_total{outcome=\"success\",type=\"incremental\"}")).isEqualTo(0.0);
        assertThat(value(text, "ipfs_backup_duration_seconds_count{outcome=\"success\",type=\"full\"}")).isEqualTo(1.0);
        assertThat(value(text, "ipfs_backup_duration_seconds_sum{outcome=\"success\",type=\"full\"}")).isBetween(0.001, endedAt - startedAt + 0.01);
        assertThat(value(text, "ipfs_backup_size_bytes_count{type=\"full\"}")).isEqualTo(1.0);
        assertThat(value(text, "ipfs_backup_size_bytes_sum{type=\"full\"}")).isEqualTo((double) o.entry().size())
                .isEqualTo((double) cluster.content.get(o.entry().cid()).length);
        assertThat(value(text, "ipfs_backup_last_success_timestamp_seconds{type=\"full\"}")).isBetween(startedAt - 0.01, endedAt + 0.01);
        assertThat(value(text, "ipfs_backup_last_success_timestamp_seconds{type=\"incremental\"}")).isNaN();
        assertThat(value(text, "ipfs_backup_peers_pinned{type=\"full\"}")).isEqualTo(2.0);
        assertThat(value(text, "ipfs_backup_unpins_total{reason=\"retention\"}")).isEqualTo(0.0);
        assertThat(value(text, "ipfs_backup_verifications_total{outcome=\"success\"}")).isEqualTo(0.0);
        assertThat(text).contains("ipfs_backup_oplog_window_seconds ");
        // Camel's own route metrics, per route
        for (String route : List.of("backup-full", "backup-dump", "backup-archive", "backup-encrypt", "backup-upload", "backup-pin-verify",
                "backup-record", "backup-cleanup")) {
            assertThat(value(text, "camel_route_policy_seconds_count{camelContext=\"ipfs-backup\",eventType=\"route\",kind=\"CamelRoute\",routeId=\""
                    + route + "\"}")).as(route).isEqualTo(1.0);
        }
        assertThat(text).contains("camel_exchanges_total{");

        HttpResponse<String> health = get("/observe/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        JsonNode h1 = JSON.readTree(health.body());
        assertThat(h1.path("status").asText()).isEqualTo("UP");
        assertThat(check(h1, "last-backup").path("status").asText()).isEqualTo("UP");
        assertThat(check(h1, "last-backup").path("message").asText()).contains(o.entry().fileName());

        // route statistics over Jolokia (HTTP POST read), matching the one run
        JsonNode read = jolokia("{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=ipfs-backup,type=routes,name=\\\"backup-full\\\"\","
                + "\"attribute\":[\"ExchangesCompleted\",\"ExchangesFailed\",\"ExchangesTotal\"]}");
        assertThat(read.path("status").asInt()).as(read.toString()).isEqualTo(200);
        assertThat(read.path("value").path("ExchangesCompleted").asLong()).isEqualTo(1);
        assertThat(read.path("value").path("ExchangesFailed").asLong()).isEqualTo(0);
        assertThat(read.path("value").path("ExchangesTotal").asLong()).isEqualTo(1);
        // a second backup: the numbers follow
        assertThat(app.runBackup("full").failure()).isNull();
        JsonNode read2 = jolokia("{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=ipfs-backup,type=routes,name=\\\"backup-full\\\"\","
                + "\"attribute\":\"ExchangesCompleted\"}");
        assertThat(read2.path("value").asLong()).isEqualTo(2);
        assertThat(value(get("/observe/metrics").body(), "ipfs_backup_backups_total{outcome=\"success\",type=\"full\"}")).isEqualTo(2.0);

        // the cluster goes away: its check is DOWN and the endpoint answers 503
        cluster.close();
        HttpResponse<String> down = get("/observe/health");
        assertThat(down.statusCode()).isEqualTo(503);
        JsonNode h2 = JSON.readTree(down.body());
        assertThat(check(h2, "ipfs-cluster").path("status").asText()).isEqualTo("DOWN");
        assertThat(check(h2, "mongodb").path("status").asText()).isEqualTo("UP");
        // MongoDB goes away too
        mongo.close();
        JsonNode h3 = JSON.readTree(get("/observe/health").body());
        assertThat(check(h3, "mongodb").path("status").asText()).isEqualTo("DOWN");
        assertThat(check(h3, "last-backup").path("status").asText()).isEqualTo("DOWN");
    }

    @Test
    void aFailedBackupIsCountedAsAFailure() throws Exception {
        cluster.mode.set(FakeCluster.Mode.EMPTY_BODY);
        app = TestSettings.start(Project.routes(), overrides());
        assertThat(app.runBackup("full").failure()).isNotNull();
        String text = get("/observe/metrics").body();
        assertThat(value(text, "ipfs_backup_backups_total{outcome=\"failure\",type=\"full\"}")).isEqualTo(1.0);
        assertThat(value(text, "ipfs_backup_backups_total{outcome=\"success\",type=\"full\"}")).isEqualTo(0.0);
        assertThat(value(text, "ipfs_backup_duration_seconds_count{outcome=\"failure\",type=\"full\"}")).isEqualTo(1.0);
        assertThat(text).doesNotContain("ipfs_backup_size_bytes_count{type=\"full\"}");
        assertThat(value(text, "ipfs_backup_last_success_timestamp_seconds{type=\"full\"}")).isNaN();
        JsonNode read = jolokia("{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=ipfs-backup,type=routes,name=\\\"backup-upload\\\"\","
                + "\"attribute\":\"ExchangesFailed\"}");
        assertThat(read.path("status").asInt()).isEqualTo(200);
    }

    /**
     * A full backup triggered over JMX (Hawtio, Jolokia: {@code Operations.triggerFullBackup}) counts once, like one
     * the schedule fires: it used to count twice in {@code ipfs_backup_backups_total} and
     * {@code ipfs_backup_duration_seconds_count} (the producer template's exchange ended twice: in the route and in
     * the template), and its entry route {@code backup-full} was logged twice in the step log (the asynchronous
     * producer template reported the send twice, the second time under the name of the retention run after it).
     */
    @Test
    void aBackupTriggeredOverJmxCountsOnce() throws Exception {
        ch.qos.logback.classic.Logger stepLogger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("ipfs-backup.step");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> stepLog = new ch.qos.logback.core.read.ListAppender<>();
        stepLog.start();
        stepLogger.addAppender(stepLog);
        stepLogger.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            jmxTriggeredRunsCountOnce(stepLog);
        } finally {
            stepLogger.detachAppender(stepLog);
            stepLogger.setLevel(null);
        }
    }

    private void jmxTriggeredRunsCountOnce(ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> stepLog)
            throws Exception {
        app = TestSettings.start(Project.routes(), overrides());
        JsonNode exec = jolokia("{\"type\":\"exec\",\"mbean\":\"org.ipfsbackup:type=Operations\",\"operation\":\"triggerFullBackup()\"}");
        assertThat(exec.path("status").asInt()).as(exec.toString()).isEqualTo(200);
        String success = "ipfs_backup_backups_total{outcome=\"success\",type=\"full\"}";
        await().atMost(Duration.ofSeconds(60)).until(() -> value(get("/observe/metrics").body(), success) >= 1.0);
        // the run is over (no exchange in flight); the count must stay at one
        await().atMost(Duration.ofSeconds(30)).until(() -> app.context().getInflightRepository().size() == 0);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> value(get("/observe/metrics").body(), success) == 1.0);
        String text = get("/observe/metrics").body();
        assertThat(value(text, success)).isEqualTo(1.0);
        assertThat(value(text, "ipfs_backup_duration_seconds_count{outcome=\"success\",type=\"full\"}")).isEqualTo(1.0);
        assertThat(value(text, "ipfs_backup_size_bytes_count{type=\"full\"}")).isEqualTo(1.0);
        try (MongoClient c = MongoClients.create(mongoUri)) {
            assertThat(c.getDatabase("ipfs_backup").getCollection("backups").countDocuments(new Document("type", "full"))).isEqualTo(1);
        }
        assertThat(List.copyOf(stepLog.list).stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .filter(l -> l.contains(" step=backup-full "))).as("step log lines of the entry route").hasSize(1)
                .allSatisfy(l -> assertThat(l).startsWith("backup=full_backup_").contains("outcome=ok"));

        // a failed one, triggered the same way, counts once as a failure
        cluster.mode.set(FakeCluster.Mode.EMPTY_BODY);
        jolokia("{\"type\":\"exec\",\"mbean\":\"org.ipfsbackup:type=Operations\",\"operation\":\"triggerFullBackup()\"}");
        String failure = "ipfs_backup_backups_total{outcome=\"failure\",type=\"full\"}";
        await().atMost(Duration.ofSeconds(60)).until(() -> value(get("/observe/metrics").body(), failure) >= 1.0);
        await().atMost(Duration.ofSeconds(30)).until(() -> app.context().getInflightRepository().size() == 0);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> value(get("/observe/metrics").body(), failure) == 1.0);
        String after = get("/observe/metrics").body();
        assertThat(value(after, failure)).isEqualTo(1.0);
        assertThat(value(after, "ipfs_backup_duration_seconds_count{outcome=\"failure\",type=\"full\"}")).isEqualTo(1.0);
        assertThat(value(after, success)).isEqualTo(1.0);
    }

    /** The LISTEN sockets on this port in /proc/net/tcp{,6}: their local addresses as hex (0100007F = 127.0.0.1). */
    static List<String> listeners(int port) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].contains(":") && "0A".equals(f[3])) {
                    String[] local = f[1].split(":");
                    if (Integer.parseInt(local[1], 16) == port) {
                        out.add(local[0]);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void byDefaultTheManagementServerListensOnLoopbackOnlyAndJolokiaRefusesWhatThePolicyDoesNotAllow() throws Exception {
        Map<String, String> o = overrides();
        assertThat(o).doesNotContainKey("camel.management.host"); // the packaged default decides
        app = TestSettings.start(Project.routes(), o);
        // 127.0.0.1 (tcp), 127.0.0.1 as IPv4-mapped IPv6 (tcp6), ::1; never 0.0.0.0/:: or an interface address
        assertThat(listeners(port)).as("listening sockets on the management port").isNotEmpty()
                .allSatisfy(a -> assertThat(a).isIn("0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"));

        // allowed: read, and start/stop of a route
        assertThat(jolokia("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"Uptime\"}").path("status").asInt())
                .isEqualTo(200);
        String route = "org.apache.camel:context=ipfs-backup,type=routes,name=\\\"verification\\\"";
        JsonNode stop = jolokia("{\"type\":\"exec\",\"mbean\":\"" + route + "\",\"operation\":\"stop()\"}");
        assertThat(stop.path("status").asInt()).as(stop.toString()).isEqualTo(200);
        assertThat(app.context().getRouteController().getRouteStatus("verification").isStopped()).isTrue();
        JsonNode start = jolokia("{\"type\":\"exec\",\"mbean\":\"" + route + "\",\"operation\":\"start()\"}");
        assertThat(start.path("status").asInt()).as(start.toString()).isEqualTo(200);
        assertThat(app.context().getRouteController().getRouteStatus("verification").isStarted()).isTrue();

        // refused: writing an attribute, operations outside the list, sending to an arbitrary endpoint
        JsonNode write = jolokia("{\"type\":\"write\",\"mbean\":\"org.apache.camel:context=ipfs-backup,type=context,name=\\\"ipfs-backup\\\"\","
                + "\"attribute\":\"Tracing\",\"value\":true}");
        assertThat(write.path("status").asInt()).as(write.toString()).isEqualTo(403);
        JsonNode gc = jolokia("{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc()\"}");
        assertThat(gc.path("status").asInt()).as(gc.toString()).isEqualTo(403);
        JsonNode remove = jolokia("{\"type\":\"exec\",\"mbean\":\"" + route + "\",\"operation\":\"remove()\"}");
        assertThat(remove.path("status").asInt()).as(remove.toString()).isEqualTo(403);
        JsonNode send = jolokia("{\"type\":\"exec\",\"mbean\":\"org.apache.camel:context=ipfs-backup,type=context,name=\\\"ipfs-backup\\\"\","
                + "\"operation\":\"sendBody(java.lang.String,java.lang.Object)\",\"arguments\":[\"direct:backup-full\",\"x\"]}");
        assertThat(send.path("status").asInt()).as(send.toString()).isEqualTo(403);
        assertThat(app.context().getRouteController().getRouteStatus("verification").isStarted()).isTrue();
    }
}
