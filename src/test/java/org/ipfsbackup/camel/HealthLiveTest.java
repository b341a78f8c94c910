package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Liveness (/observe/health/live, the container HEALTHCHECK) is UP on a fresh install, while /observe/health (readiness
 * and backup freshness, for monitoring) is 503 until the first backup; a taken management port stops start-up (exit 3).
 */
class HealthLiveTest {
    @TempDir
    Path work;
    InJvmMongo mongo;
    FakeCluster cluster;
    BackupApplication app;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        cluster = new FakeCluster();
    }

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        cluster.close();
        mongo.close();
    }

    Map<String, String> overrides(int port) {
        Map<String, String> m = TestSettings.routeTest(mongo.uri(), cluster.url(), work);
        m.put("dump.oplog", "false");
        m.put("camel.management.enabled", "true");
        m.put("camel.management.port", Integer.toString(port));
        return m;
    }

    HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFreshInstallIsLiveButNotYetHealthy() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        app = TestSettings.start(Project.routes(), overrides(port));
        HttpResponse<String> health = get(port, "/observe/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
        assertThat(health.body()).contains("last-backup").contains("no successful backup");

        HttpResponse<String> live = get(port, "/observe/health/live");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
        JsonNode j = new ObjectMapper().readTree(live.body());
        assertThat(j.path("status").asText()).isEqualTo("UP");
        assertThat(live.body()).doesNotContain("last-backup").doesNotContain("ipfs-cluster").doesNotContain("mongodb");

        // after the first backup /observe/health is 200 too
        assertThat(app.runBackup("full").failure()).isNull();
        assertThat(get(port, "/observe/health").statusCode()).isEqualTo(200);
    }

    @Test
    void aTakenManagementPortStopsStartUpWithExitCode3NamingThePortAndTheSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> app = TestSettings.start(Project.routes(), overrides(port)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(":" + port).hasMessageContaining("MANAGEMENT_PORT");

            Path cfg = Files.write(work.resolve("run.properties"), List.of("mongodb.uri=" + mongo.uri(), "ipfs.cluster.node1=" + cluster.url(),
                    "crypto.kdf.iterations=10000", "backup.work-dir=" + work.resolve("w"), "camel.management.port=" + port,
                    "camel.management.host=127.0.0.1"));
            StringWriter err = new StringWriter();
            int code = org.ipfsbackup.cli.Main.execute(Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), new PrintWriter(new StringWriter(), true),
                    new PrintWriter(err, true), "run", "--config", cfg.toString(), "--routes", Project.routes().toString());
            assertThat(code).as(err.toString()).isEqualTo(3);
            assertThat(err.toString()).contains("error: management port 127.0.0.1:" + port + " (MANAGEMENT_PORT, camel.management.port)");
        }
    }
}
