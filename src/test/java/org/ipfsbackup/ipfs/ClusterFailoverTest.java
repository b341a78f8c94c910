package org.ipfsbackup.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ipfsbackup.config.IpfsSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one failover and error classification of every cluster call, the upload included: unreachable or 5xx goes on to
 * the next node; a refusal (4xx) is permanent and asks no other node; nothing answering is transient.
 */
class ClusterFailoverTest {
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    @TempDir
    Path dir;

    /** A node answering every request with {@code status} and {@code body}; what it received is recorded. */
    private URI node(int status, String body, List<String> received) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            received.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " auth=" + ex.getRequestHeaders().getFirst("Authorization")
                    + " body=" + new String(in, StandardCharsets.ISO_8859_1));
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                ex.getResponseBody().write(out);
            }
            ex.close();
        });
        s.start();
        servers.add(s);
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private static ClusterClient client(URI... nodes) {
        return new ClusterClient(new IpfsSettings(List.of(nodes), List.of(), "Basic dTpw", 2, Duration.ofSeconds(2),
                Duration.ofMillis(50), Duration.ofSeconds(5)));
    }

    private Path encrypted() throws IOException {
        return Files.writeString(dir.resolve("b.tar.gz.enc"), "ciphertext-bytes-0123456789");
    }

    @Test
    void uploadGoesOnToTheNextNodeWhenTheFirstAnswers5xxAndStreamsTheFile() throws Exception {
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        URI n1 = node(503, "{\"message\":\"not enough peers to allocate CID\"}", first);
        URI n2 = node(200, "[{\"name\":\"b.tar.gz.enc\",\"cid\":\"bafkreiabc\",\"size\":27,\"allocations\":[\"A\",\"B\"]}]", second);
        AddResult r = client(n1, n2).add(encrypted(), "b.tar.gz.enc", "full", Instant.parse("2026-12-02T00:00:00Z"));
        assertThat(r.cid()).isEqualTo("bafkreiabc");
        assertThat(r.allocations()).containsExactly("A", "B");
        assertThat(first).singleElement().asString().startsWith("POST /add auth=Basic dTpw").contains("ciphertext-bytes-0123456789");
        assertThat(second).singleElement().asString().startsWith("POST /add auth=Basic dTpw").contains("ciphertext-bytes-0123456789");
    }

    @Test
    void aRefusalIsPermanentAndAsksNoOtherNode() throws Exception {
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        URI n1 = node(401, "{\"message\":\"Unauthorized\"}", first);
        URI n2 = node(200, "[]", second);
        assertThatThrownBy(() -> client(n1, n2).add(encrypted(), "b.tar.gz.enc", "full", Instant.now()))
                .isInstanceOfSatisfying(IpfsException.class, e -> assertThat(e.isTransient()).isFalse())
                .hasMessageContaining("refused /add: HTTP 401 Unauthorized").hasMessageContaining("IPFS_CLUSTER_USER");
        assertThatThrownBy(() -> client(n1, n2).unpin("bafy1"))
                .isInstanceOfSatisfying(IpfsException.class, e -> assertThat(e.isTransient()).isFalse());
        assertThat(first).hasSize(2);
        assertThat(second).isEmpty();
    }

    @Test
    void noNodeAnsweringIsTransientAndNamesEachNode() throws Exception {
        URI dead1 = URI.create("http://127.0.0.1:" + freePort());
        List<String> busy = new CopyOnWriteArrayList<>();
        URI n2 = node(500, "boom", busy);
        assertThatThrownBy(() -> client(dead1, n2).add(encrypted(), "b.tar.gz.enc", "full", Instant.now()))
                .isInstanceOfSatisfying(IpfsException.class, e -> assertThat(e.isTransient()).isTrue())
                .hasMessageContaining("no cluster node answered POST /add").hasMessageContaining(dead1.toString())
                .hasMessageContaining("HTTP 500 boom");
        assertThatThrownBy(() -> client(dead1, n2).status("bafy1"))
                .isInstanceOfSatisfying(IpfsException.class, e -> assertThat(e.isTransient()).isTrue());
        assertThat(busy).hasSize(2);
    }

    @Test
    void onlyEncryptedFilesAreUploaded() throws Exception {
        Path plain = Files.writeString(dir.resolve("b.tar.gz"), "plain");
        List<String> got = new CopyOnWriteArrayList<>();
        URI n1 = node(200, "[]", got);
        assertThatThrownBy(() -> client(n1).add(plain, "b.tar.gz", "full", Instant.now())).hasMessageContaining("only encrypted files");
        assertThat(got).isEmpty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
