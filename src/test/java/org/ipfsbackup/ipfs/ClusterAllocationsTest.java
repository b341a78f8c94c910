package org.ipfsbackup.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.ipfsbackup.config.IpfsSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /allocations} against a tiny server answering the cluster's real wire format. */
class ClusterAllocationsTest {
    static final String PIN1 = "{\"replication_factor_min\":2,\"replication_factor_max\":2,\"name\":\"full_backup_2026-05-11_101741.tar.gz.enc\","
            + "\"mode\":\"recursive\",\"shard_size\":0,\"user_allocations\":null,\"expire_at\":\"0001-01-01T00:00:00Z\","
            + "\"metadata\":{\"app\":\"ipfs-backup\",\"timestamp\":\"2026-05-11T10:17:41Z\",\"type\":\"full\"},\"pin_update\":null,"
            + "\"origins\":null,\"cid\":\"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4\",\"type\":\"pin\","
            + "\"allocations\":[\"12D3KooWA\",\"12D3KooWB\"],\"max_depth\":-1,\"reference\":null,\"timestamp\":\"2026-05-11T10:17:41.123456789Z\"}";
    static final String PIN2 = "{\"replication_factor_min\":-1,\"replication_factor_max\":-1,\"name\":\"holiday.jpg\",\"mode\":\"recursive\","
            + "\"shard_size\":0,\"user_allocations\":null,\"expire_at\":\"0001-01-01T00:00:00Z\",\"metadata\":null,\"pin_update\":null,"
            + "\"origins\":null,\"cid\":{\"/\":\"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\"},\"type\":\"pin\",\"allocations\":null,"
            + "\"max_depth\":-1,\"reference\":null,\"timestamp\":\"0001-01-01T00:00:00Z\"}";

    HttpServer server;
    final AtomicReference<String> requested = new AtomicReference<>();
    volatile int status;
    volatile String body;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requested.set(ex.getRequestMethod() + " " + ex.getRequestURI());
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.getResponseHeaders().add("Trailer", "X-Stream-Error");
            if (status == 204) {
                ex.sendResponseHeaders(204, -1);
            } else {
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, 0); // chunked, as the cluster streams
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(b);
                }
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    ClusterClient client() {
        URI node = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        return new ClusterClient(new IpfsSettings(List.of(node), List.of(), null, 2, Duration.ofSeconds(2), Duration.ofMillis(50), Duration.ofSeconds(5)));
    }

    @Test
    void readsTheNdjsonStream() {
        status = 200;
        body = PIN1 + "\n" + PIN2 + "\n";
        List<ClusterPin> pins = client().allocations();
        assertThat(requested.get()).isEqualTo("GET /allocations?filter=pin");
        assertThat(pins).hasSize(2);
        ClusterPin a = pins.get(0);
        assertThat(a.cid()).isEqualTo("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
        assertThat(a.name()).isEqualTo("full_backup_2026-05-11_101741.tar.gz.enc");
        assertThat(a.metadata()).containsEntry("app", "ipfs-backup").containsEntry("type", "full");
        assertThat(a.meta("app")).isEqualTo("ipfs-backup");
        assertThat(a.timestamp()).isEqualTo(Instant.parse("2026-05-11T10:17:41.123456789Z"));
        assertThat(a.allocations()).containsExactly("12D3KooWA", "12D3KooWB");
        ClusterPin b = pins.get(1);
        assertThat(b.cid()).isEqualTo("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
        assertThat(b.name()).isEqualTo("holiday.jpg");
        assertThat(b.metadata()).isEmpty();
        assertThat(b.allocations()).isEmpty();
        assertThat(b.timestamp()).as("Go zero time means unknown").isNull();
    }

    @Test
    void emptyPinsetIs204WithoutBody() {
        status = 204;
        assertThat(client().allocations()).isEmpty();
    }

    @Test
    void olderArrayAnswerAndOffsetTimesAreRead() {
        status = 200;
        body = "[" + PIN1.replace("2026-05-11T10:17:41.123456789Z", "2026-05-11T12:17:41+02:00") + "]\n";
        assertThat(client().allocations()).singleElement()
                .satisfies(p -> assertThat(p.timestamp()).isEqualTo(Instant.parse("2026-05-11T10:17:41Z")));
    }

    @Test
    void errorsAreRefusedClearly() {
        status = 400;
        body = "{\"code\":400,\"message\":\"invalid filter value\"}\n";
        assertThatThrownBy(() -> client().allocations()).isInstanceOf(IpfsException.class).hasMessageContaining("invalid filter value");
        status = 200;
        body = "<html>proxy</html>";
        assertThatThrownBy(() -> client().allocations()).isInstanceOf(IpfsException.class).hasMessageContaining("not JSON");
        body = "{\"name\":\"x\"}\n";
        assertThatThrownBy(() -> client().allocations()).isInstanceOf(IpfsException.class).hasMessageContaining("without a CID");
    }
}
