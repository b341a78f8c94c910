package org.ipfsbackup.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Kubo RPC client against a node served here (127.0.0.1): what it downloads, how it fails, what it leaves behind. */
class KuboClientTest {

    private static final String CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    private final Map<String, byte[]> content = new ConcurrentHashMap<>();
    /** A download of "slow" sends one chunk, then waits for this latch before the rest. */
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private URI node;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        node = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getRawQuery();
        String arg = query == null ? "" : java.net.URLDecoder.decode(query.replaceAll(".*arg=([^&]*).*", "$1"), StandardCharsets.UTF_8);
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, "POST only");
            } else if (path.equals("/api/v0/cat") && arg.equals("slow")) {
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                out.write(new byte[100_000]);
                out.flush();
                release.await(20, TimeUnit.SECONDS);
                out.write(new byte[100_000]);
            } else if (path.equals("/api/v0/cat")) {
                byte[] body = content.get(arg);
                if (body == null) {
                    send(ex, 500, "{\"Message\":\"block was not found locally (offline): ipld: could not find " + arg + "\",\"Code\":0,\"Type\":\"error\"}");
                } else {
                    ex.sendResponseHeaders(200, 0); // chunked, as Kubo streams it
                    ex.getResponseBody().write(body);
                }
            } else if (path.equals("/api/v0/pin/ls")) {
                if (content.containsKey(arg)) {
                    send(ex, 200, "{\"Keys\":{\"" + arg + "\":{\"Type\":\"recursive\"}}}");
                } else {
                    send(ex, 500, "{\"Message\":\"path '" + arg + "' is not pinned\",\"Code\":0,\"Type\":\"error\"}");
                }
            } else if (path.equals("/api/v0/repo/stat")) {
                send(ex, 200, "{\"RepoSize\":250,\"StorageMax\":1000}");
            } else {
                send(ex, 404, "404 page not found");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Test
    void catStreamsTheWholeContent() {
        byte[] body = new byte[3 << 20];
        new Random(5).nextBytes(body);
        content.put(CID, body);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        long n = new KuboClient(Duration.ofSeconds(10)).cat(node, CID, out);

        assertThat(n).isEqualTo(body.length);
        assertThat(out.toByteArray()).isEqualTo(body);
    }

    @Test
    void aMissingBlockIsAnErrorNamingTheNodeTheCidAndWhatTheNodeSaid() {
        KuboClient kubo = new KuboClient(Duration.ofSeconds(10));

        assertThatThrownBy(() -> kubo.cat(node, CID, new ByteArrayOutputStream()))
                .isInstanceOf(IpfsException.class)
                .hasMessageContaining("IPFS node " + node + " cannot give " + CID + ": HTTP 500")
                .hasMessageContaining("block was not found locally");
    }

    @Test
    void anUnreachableNodeIsNamed() throws IOException {
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI closed = URI.create("http://127.0.0.1:" + port);

        assertThatThrownBy(() -> new KuboClient(Duration.ofSeconds(5)).cat(closed, CID, new ByteArrayOutputStream()))
                .isInstanceOf(IpfsException.class)
                .hasMessageStartingWith("IPFS node " + closed + " unreachable for cat " + CID);
    }

    @Test
    void catFirstGoesOnToTheNextNodeAndSaysWhyEachFailed() throws IOException {
        byte[] body = "the backup".getBytes(StandardCharsets.UTF_8);
        content.put(CID, body);
        URI broken = URI.create(node + "/broken"); // answers 404 to everything
        List<URI> tried = new java.util.ArrayList<>();

        byte[] read = new KuboClient(Duration.ofSeconds(10)).catFirst(List.of(broken, node), CID, (from, in) -> {
            tried.add(from);
            return in.readAllBytes();
        });

        assertThat(read).isEqualTo(body);
        assertThat(tried).as("the broken node answered no body").containsExactly(node);
        content.clear();
        assertThatThrownBy(() -> new KuboClient(Duration.ofSeconds(10)).catFirst(List.of(broken, node), CID, (from, in) -> in.readAllBytes()))
                .hasMessageContaining("no IPFS node could give " + CID)
                .hasMessageContaining("HTTP 404")
                .hasMessageContaining("HTTP 500");
    }

    @Test
    void whatTheReaderOfABodyThrowsForItsOwnReasonsIsThrownAsItIsNotBlamedOnTheNode() {
        content.put(CID, new byte[1 << 20]);
        KuboClient kubo = new KuboClient(Duration.ofSeconds(10));
        assertThatThrownBy(() -> kubo.catStream(node, CID, body -> {
            body.readNBytes(1000);
            throw new IOException("sha256 differs (the reader's verdict)");
        })).isExactlyInstanceOf(IOException.class).hasMessage("sha256 differs (the reader's verdict)");
    }

    @Test
    void anHttpsNodeIsCalledWithTlsAndANodeThatTimesOutIsNotCalledACancel() throws Exception {
        // a node that answers plain HTTP at once: a TLS client sees no TLS record
        try (java.net.ServerSocket plain = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread answer = new Thread(() -> {
                try (java.net.Socket s = plain.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.getInputStream().read();
                } catch (IOException e) {
                    // the client hung up
                }
            });
            answer.start();
            URI https = URI.create("https://127.0.0.1:" + plain.getLocalPort());
            assertThatThrownBy(() -> new KuboClient(Duration.ofSeconds(10)).cat(https, CID, new ByteArrayOutputStream()))
                    .isInstanceOf(IpfsException.class).hasMessageContaining(https.toString())
                    .hasRootCauseInstanceOf(javax.net.ssl.SSLException.class);
            answer.join(10_000);
        }
        // the test server waits for a request line that a TLS hello never completes: the client's read times out
        URI https = URI.create("https://127.0.0.1:" + server.getAddress().getPort());
        assertThatThrownBy(() -> new KuboClient(Duration.ofSeconds(1)).cat(https, CID, new ByteArrayOutputStream()))
                .isInstanceOf(IpfsException.class).hasMessageContaining("IPFS node " + https + " unreachable")
                .hasMessageNotContaining("interrupted");
    }

    @Test
    void pinsAndRepositorySize() {
        content.put(CID, new byte[1]);
        KuboClient kubo = new KuboClient(Duration.ofSeconds(10));

        assertThat(kubo.isPinned(node, CID)).isTrue();
        assertThat(kubo.isPinned(node, "bafkreiother")).isFalse();
        KuboClient.RepoStat stat = kubo.repoStat(node);
        assertThat(stat.repoSize()).isEqualTo(250);
        assertThat(stat.usedPercent()).isEqualTo(25.0);
    }

    @Test
    void anInterruptStopsADownloadThatIsUnderWay() throws Exception {
        KuboClient kubo = new KuboClient(Duration.ofSeconds(30));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch firstBytes = new CountDownLatch(1);
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                firstBytes.countDown();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                firstBytes.countDown();
            }
        };
        Thread t = new Thread(() -> {
            try {
                kubo.cat(node, "slow", out);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        assertThat(firstBytes.await(10, TimeUnit.SECONDS)).isTrue();
        t.interrupt();
        release.countDown(); // the node sends the rest: the next chunk read sees the interrupt
        t.join(10_000);

        assertThat(t.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(IpfsException.class).hasMessageContaining("interrupted while downloading slow");
    }

    @Test
    void keepsNoThreadOfItsOwn() {
        content.put(CID, new byte[200_000]);
        Set<Thread> before = Thread.getAllStackTraces().keySet();

        KuboClient kubo = new KuboClient(Duration.ofSeconds(10));
        kubo.cat(node, CID, OutputStream.nullOutputStream());
        kubo.isPinned(node, CID);

        // the JDK's HttpClient left a selector thread waiting in native code, which delays the JVM's exit by 0.3 s
        Set<String> started = Thread.getAllStackTraces().keySet().stream()
                .filter(th -> !before.contains(th) && th.isAlive())
                .map(Thread::getName)
                .filter(name -> !name.startsWith("HTTP-Dispatcher") && !name.startsWith("pool-")) // the test server's
                .collect(Collectors.toSet());
        assertThat(started).isEmpty();
    }

    @Test
    void aNodeRestartedSinceTheLastCallIsReadAgain() throws IOException {
        byte[] body = "after the restart".getBytes(StandardCharsets.UTF_8);
        content.put(CID, body);
        KuboClient kubo = new KuboClient(Duration.ofSeconds(10));
        assertThat(kubo.isPinned(node, CID)).isTrue(); // a kept-alive connection to the node is now in the pool

        int port = server.getAddress().getPort();
        server.stop(0); // the node goes down (its connections closed) and comes back on the same address
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        kubo.cat(node, CID, out);

        assertThat(out.toByteArray()).isEqualTo(body);
    }
}
