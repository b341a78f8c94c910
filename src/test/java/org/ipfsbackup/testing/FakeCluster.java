package org.ipfsbackup.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An in-JVM HTTP double of the cluster REST API for route tests of single steps (the end-to-end tests use the
 * real ipfs-cluster-service). It answers /add (stream-channels=false), GET and DELETE /pins/{cid} in the wire
 * format of ipfs-cluster v1.1.6, keeps what it received, and can be told to misbehave.
 */
public final class FakeCluster implements AutoCloseable {
    public enum Mode { OK, EMPTY_BODY, ERROR_500, NEVER_PINNED }

    private final HttpServer server;
    public final Map<String, byte[]> content = new ConcurrentHashMap<>();
    public final Map<String, String> names = new ConcurrentHashMap<>();
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public final List<Map<String, List<String>>> requestHeaders = new CopyOnWriteArrayList<>();
    public final AtomicReference<Mode> mode = new AtomicReference<>(Mode.OK);
    /** What POST /api/v0/repo/stat answers (Kubo RPC): bytes used and StorageMax. */
    public final java.util.concurrent.atomic.AtomicLong repoSize = new java.util.concurrent.atomic.AtomicLong(100);
    public final java.util.concurrent.atomic.AtomicLong storageMax = new java.util.concurrent.atomic.AtomicLong(1000);
    /** CIDs that peer B has lost (status unexpectedly_unpinned); recover brings them back only if in {@link #recoverable}. */
    public final java.util.Set<String> lostOnPeerB = java.util.concurrent.ConcurrentHashMap.newKeySet();
    public final java.util.Set<String> recoverable = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** When each CID was pinned (GET /allocations answers it as the pin timestamp); default: when it was added. */
    public final Map<String, java.time.Instant> pinnedAt = new ConcurrentHashMap<>();
    /** The next N /add requests answer 500 (a cluster that recovers). */
    public final java.util.concurrent.atomic.AtomicInteger failAdds = new java.util.concurrent.atomic.AtomicInteger();
    /** CIDs whose DELETE /pins answers 500 (an unpin that fails). */
    public final java.util.Set<String> failUnpin = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** CIDs whose cat sends half of the announced body and then breaks the connection. */
    public final java.util.Set<String> breakOff = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public FakeCluster() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
        requestHeaders.add(Map.copyOf(ex.getRequestHeaders()));
        try (ex) {
            if (ex.getRequestMethod().equals("POST") && path.equals("/add")) {
                byte[] body = ex.getRequestBody().readAllBytes();
                if (failAdds.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    send(ex, 500, "{\"code\":500,\"message\":\"not enough peers to allocate CID. Needed at least: 2. Wanted at most: 2. Available candidates: 1. See logs for more info.\"}\n");
                    return;
                }
                switch (mode.get()) {
                    case EMPTY_BODY -> send(ex, 200, "");
                    case ERROR_500 -> send(ex, 500, "{\"code\":500,\"message\":\"not enough peers to allocate CID. Needed at least: 2. Wanted at most: 2. Available candidates: 1. See logs for more info.\"}\n");
                    default -> {
                        String ct = ex.getRequestHeaders().getFirst("Content-Type");
                        Part p = firstPart(body, ct);
                        String cid = "bafkrei" + HexFormat.of().formatHex(sha256(p.data)).substring(0, 40);
                        content.put(cid, p.data);
                        names.put(cid, p.filename);
                        pinnedAt.putIfAbsent(cid, java.time.Instant.now());
                        send(ex, 200, "[{\"name\":\"" + p.filename + "\",\"cid\":\"" + cid + "\",\"size\":" + p.data.length
                                + ",\"allocations\":[\"12D3KooWA\",\"12D3KooWB\"]}]\n");
                    }
                }
            } else if (ex.getRequestMethod().equals("GET") && path.equals("/id")) {
                send(ex, 200, "{\"id\":\"12D3KooWA\",\"peername\":\"p0\",\"version\":\"1.1.6\"}\n");
            } else if (ex.getRequestMethod().equals("GET") && path.equals("/peers")) {
                send(ex, 200, "{\"id\":\"12D3KooWA\",\"peername\":\"p0\",\"error\":\"\"}\n{\"id\":\"12D3KooWB\",\"peername\":\"p1\",\"error\":\"\"}\n");
            } else if (ex.getRequestMethod().equals("GET") && path.equals("/allocations")) {
                StringBuilder nd = new StringBuilder();
                for (String cid : content.keySet()) {
                    nd.append("{\"cid\":\"").append(cid).append("\",\"name\":\"").append(names.getOrDefault(cid, ""))
                            .append("\",\"allocations\":[\"12D3KooWA\",\"12D3KooWB\"],\"metadata\":null,\"timestamp\":\"")
                            .append(pinnedAt.getOrDefault(cid, java.time.Instant.now())).append("\"}\n");
                }
                send(ex, nd.length() == 0 ? 204 : 200, nd.toString());
            } else if (ex.getRequestMethod().equals("POST") && path.equals("/api/v0/cat")) {
                String cid = ex.getRequestURI().getQuery().replaceAll(".*arg=([^&]*).*", "$1");
                byte[] b = content.get(cid);
                if (b == null) {
                    send(ex, 500, "{\"Message\":\"block was not found locally (offline): ipld: could not find " + cid + "\",\"Code\":0,\"Type\":\"error\"}");
                } else {
                    ex.getResponseHeaders().set("Content-Type", "text/plain");
                    ex.sendResponseHeaders(200, b.length);
                    if (breakOff.contains(cid)) {
                        OutputStream o = ex.getResponseBody();
                        o.write(b, 0, b.length / 2);
                        o.flush();
                        ex.close(); // fewer bytes than announced: the server drops the connection
                        return;
                    }
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(b);
                    }
                }
            } else if (ex.getRequestMethod().equals("POST") && path.equals("/api/v0/repo/stat")) {
                send(ex, 200, "{\"RepoSize\":" + repoSize.get() + ",\"StorageMax\":" + storageMax.get() + ",\"NumObjects\":1}\n");
            } else if (ex.getRequestMethod().equals("POST") && path.startsWith("/pins/") && path.endsWith("/recover")) {
                String cid = path.substring(6, path.length() - "/recover".length());
                if (recoverable.contains(cid)) {
                    lostOnPeerB.remove(cid);
                }
                sendStatus(ex, cid);
            } else if (ex.getRequestMethod().equals("GET") && path.startsWith("/pins/")) {
                sendStatus(ex, path.substring(6));
            } else if (ex.getRequestMethod().equals("DELETE") && path.startsWith("/pins/")) {
                String cid = path.substring(6);
                if (failUnpin.contains(cid)) {
                    send(ex, 500, "{\"code\":500,\"message\":\"rpc error: peer unreachable\"}\n");
                } else if (content.remove(cid) == null) {
                    send(ex, 404, "{\"code\":404,\"message\":\"pin is not part of the pinset\"}\n");
                } else {
                    send(ex, 200, "{\"cid\":\"" + cid + "\"}\n");
                }
            } else {
                send(ex, 404, "{\"code\":404,\"message\":\"not found\"}\n");
            }
        }
    }

    private void sendStatus(HttpExchange ex, String cid) throws IOException {
        String st = content.containsKey(cid) ? (mode.get() == Mode.NEVER_PINNED ? "pinning" : "pinned") : "unpinned";
        String stB = lostOnPeerB.contains(cid) ? "unexpectedly_unpinned" : st;
        send(ex, 200, "{\"cid\":\"" + cid + "\",\"name\":\"\",\"allocations\":" + (content.containsKey(cid) ? "[\"12D3KooWA\",\"12D3KooWB\"]" : "[]")
                + ",\"origins\":[],\"created\":\"0001-01-01T00:00:00Z\",\"metadata\":null,\"peer_map\":{"
                + "\"12D3KooWA\":{\"peername\":\"p0\",\"status\":\"" + st + "\",\"error\":\"\"},"
                + "\"12D3KooWB\":{\"peername\":\"p1\",\"status\":\"" + stB + "\",\"error\":\"\"}}}\n");
    }

    private record Part(String filename, byte[] data) {
    }

    /** Minimal multipart reader: the first part's filename and bytes. */
    static Part firstPart(byte[] body, String contentType) {
        if (contentType == null || !contentType.startsWith("multipart/form-data")) {
            throw new IllegalArgumentException("request Content-Type isn't multipart/form-data");
        }
        String boundary = "--" + contentType.substring(contentType.indexOf("boundary=") + 9).replace("\"", "");
        String latin = new String(body, StandardCharsets.ISO_8859_1);
        int start = latin.indexOf(boundary);
        int headersEnd = latin.indexOf("\r\n\r\n", start);
        String headers = latin.substring(start, headersEnd);
        int fn = headers.indexOf("filename=\"");
        String filename = headers.substring(fn + 10, headers.indexOf('"', fn + 10));
        int dataStart = headersEnd + 4;
        int dataEnd = latin.indexOf("\r\n" + boundary, dataStart);
        byte[] data = new byte[dataEnd - dataStart];
        System.arraycopy(body, dataStart, data, 0, data.length);
        return new Part(filename, data);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        in.transferTo(o);
        return o.toByteArray();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
