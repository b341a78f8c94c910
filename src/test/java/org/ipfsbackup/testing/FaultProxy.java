package org.ipfsbackup.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of a real service (the IPFS Cluster REST API): every request is
 * forwarded unchanged, bodies streamed both ways, except for the faults switched on: the next N requests matching a
 * method and path prefix answer 500 without reaching the service; pin status replies say {@code pinning} instead of
 * {@code pinned}; a hook runs when a request matches (to stop a process, or kill one, at an exact step).
 */
public final class FaultProxy implements AutoCloseable {
    private static final Set<String> HOP = Set.of("host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade",
            "expect", "te", "trailer", "proxy-connection");

    private final URI target;
    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** Every request seen, as "METHOD /path?query", in order. */
    public final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile String failMatch;
    /** When true, GET /pins/... replies have every "pinned" status turned into "pinning". */
    public volatile boolean neverPinned;
    private final AtomicReference<Hook> hook = new AtomicReference<>();

    private record Hook(String match, Consumer<String> action) {
    }

    public FaultProxy(String targetUrl) throws IOException {
        this.target = URI.create(targetUrl.endsWith("/") ? targetUrl.substring(0, targetUrl.length() - 1) : targetUrl);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next {@code n} requests that start with {@code match} (e.g. "POST /add") answer 500. */
    public void failNext(String match, int n) {
        failMatch = match;
        failures.set(n);
    }

    /** The number of requests matching {@code match} that were answered 500 by the proxy so far is n - remaining. */
    public int failuresLeft() {
        return failures.get();
    }

    /** Runs {@code action} once, on the first request starting with {@code match}, before forwarding it. */
    public void onFirst(String match, Consumer<String> action) {
        hook.set(new Hook(match, action));
    }

    /**
     * {@code action} on the first request starting with {@code match} that comes after one starting with {@code after}
     * (e.g. the first pin-status poll after the upload, not the one the application's start-up makes for its metrics).
     */
    public void onFirstAfter(String after, String match, Consumer<String> action) {
        onFirst(after, line -> onFirst(match, action));
    }

    /**
     * The first request starting with {@code prefix} after the first one starting with {@code after} (the pin poll of
     * the upload, not the one the application's start-up makes for its metrics).
     */
    public java.util.Optional<String> firstAfter(String after, String prefix) {
        boolean seen = false;
        for (String r : requests) {
            if (seen && r.startsWith(prefix)) {
                return java.util.Optional.of(r);
            }
            seen |= r.startsWith(after);
        }
        return java.util.Optional.empty();
    }

    public long count(String prefix) {
        return requests.stream().filter(r -> r.startsWith(prefix)).count();
    }

    private void handle(HttpExchange ex) throws IOException {
        String line = ex.getRequestMethod() + " " + ex.getRequestURI();
        requests.add(line);
        try (ex) {
            Hook h = hook.get();
            if (h != null && line.startsWith(h.match()) && hook.compareAndSet(h, null)) {
                h.action().accept(line);
            }
            String fm = failMatch;
            if (fm != null && line.startsWith(fm) && failures.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                ex.getRequestBody().readAllBytes();
                byte[] b = "{\"code\":500,\"message\":\"injected fault\"}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(500, b.length);
                ex.getResponseBody().write(b);
                return;
            }
            forward(ex, line);
        } catch (IOException | RuntimeException e) {
            // the client will see the connection drop
        }
    }

    private void forward(HttpExchange ex, String line) throws IOException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(target + ex.getRequestURI().toString())).timeout(Duration.ofMinutes(5));
        ex.getRequestHeaders().forEach((k, vs) -> {
            if (!HOP.contains(k.toLowerCase(Locale.ROOT))) {
                vs.forEach(v -> rb.header(k, v));
            }
        });
        String method = ex.getRequestMethod();
        InputStream body = ex.getRequestBody();
        rb.method(method, method.equals("GET") || method.equals("DELETE") ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofInputStream(() -> body));
        HttpResponse<InputStream> r;
        try {
            r = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        r.headers().map().forEach((k, vs) -> {
            if (!HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, v));
            }
        });
        try (InputStream in = r.body()) {
            if (neverPinned && method.equals("GET") && ex.getRequestURI().getPath().startsWith("/pins/")) {
                byte[] b = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\"status\":\"pinned\"", "\"status\":\"pinning\"")
                        .getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(r.statusCode(), b.length == 0 ? -1 : b.length);
                ex.getResponseBody().write(b);
                return;
            }
            ex.sendResponseHeaders(r.statusCode(), r.statusCode() == 204 || method.equals("HEAD") ? -1 : 0);
            try (OutputStream out = ex.getResponseBody()) {
                in.transferTo(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
