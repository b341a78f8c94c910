package org.ipfsbackup.ipfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.io.input.TaggedInputStream;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Kubo RPC calls used to read content back from IPFS nodes directly (restore, verify, demo).
 *
 * <p>The transport is Apache HttpClient 5's blocking client, as {@link ClusterClient}'s: it keeps no thread of its own.
 * The JDK's {@code java.net.http} client, used here before, keeps a selector thread waiting in native code for the
 * life of the JVM, and the JVM's exit waits 0.3 s for such threads: every one-shot command that read from IPFS
 * ended 0.3 s late. {@code ipfs.http.timeout} is a socket inactivity timeout (a long download that progresses is not
 * cut off); an interrupt of the calling thread (a cancel) aborts a download between two chunks.
 */
public class KuboClient {
    private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(5);
    private static final int CHUNK = 64 * 1024;
    /**
     * A pooled connection is checked before it is used again (a 1 ms read): a node restarted since its last answer
     * closed it, and sending on it would fail with "The target server failed to respond" (POST is not retried).
     */
    private final CloseableHttpClient http = HttpClients.custom().disableAutomaticRetries().disableRedirectHandling()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                    .setDefaultConnectionConfig(ConnectionConfig.custom().setValidateAfterInactivity(TimeValue.ZERO_MILLISECONDS).build())
                    .setTlsSocketStrategy((socket, target, port, attachment, context) -> Tls.DEFAULT.upgrade(socket, target, port, attachment, context))
                    .build())
            .build();
    private final Duration timeout;
    private final RequestConfig config;

    /**
     * The client's default TLS (the JDK's trust store), set up when the first https:// node is called: loading it
     * took 0.1-0.15 s of every restore's start, and Kubo nodes are usually plain http on a private network.
     */
    private static final class Tls {
        static final TlsSocketStrategy DEFAULT = DefaultClientTlsStrategy.createDefault();
    }

    public KuboClient(Duration timeout) {
        this.timeout = timeout;
        Timeout t = Timeout.of(timeout);
        this.config = RequestConfig.custom().setConnectTimeout(CONNECT_TIMEOUT).setConnectionRequestTimeout(t).setResponseTimeout(t).build();
    }

    private HttpPost post(URI node, String pathAndQuery) {
        HttpPost post = new HttpPost(URI.create(node + pathAndQuery));
        post.setConfig(config);
        return post;
    }

    /**
     * {@code POST /api/v0/cat?arg=CID} on one node, streamed into {@code out}.
     * @return bytes written
     */
    public long cat(URI node, String cid, OutputStream out) {
        try {
            return catStream(node, cid, in -> {
                byte[] buffer = new byte[CHUNK];
                long total = 0;
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    total += n;
                }
                return total;
            });
        } catch (IOException e) {
            throw new IpfsException("writing what IPFS node " + node + " gave for " + cid + " failed: " + e, false, e);
        }
    }

    /** What {@link #catStream} hands the body to. */
    @FunctionalInterface
    public interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    /**
     * {@code POST /api/v0/cat?arg=CID} on one node, its body handed to {@code reader} as it arrives (closed when the
     * reader returns). A node that answers with an error or cannot be reached, and a read of the body that fails, end
     * in an {@link IpfsException} naming the node (another node may do better); what the reader throws for its own
     * reasons (bytes it rejects, a full disk) is thrown as it is. An interrupt of the calling thread aborts the
     * download at the next read of the body.
     *
     * <p>An error after streaming started arrives only in the X-Stream-Error trailer: callers check the sha256 from
     * the manifest, which catches any short or bad body.
     */
    public <T> T catStream(URI node, String cid, BodyReader<T> reader) throws IOException {
        HttpPost req = post(node, "/api/v0/cat?arg=" + ClusterClient.enc(cid) + "&timeout=" + timeout.toSeconds() + "s");
        try {
            return http.execute(req, (ClassicHttpResponse r) -> {
                if (r.getCode() != 200) {
                    String msg = r.getEntity() == null ? "" : new String(r.getEntity().getContent().readNBytes(2000), StandardCharsets.UTF_8);
                    throw new IpfsException("IPFS node " + node + " cannot give " + cid + ": HTTP " + r.getCode() + " "
                            + AddResponseParser.abbreviate(msg), r.getCode() >= 500);
                }
                // tagged: a failure of the body itself is told apart from the reader's own, wherever the reader wraps it
                TaggedInputStream body = new TaggedInputStream(r.getEntity() == null ? InputStream.nullInputStream()
                        : interruptible(r.getEntity().getContent(), req));
                try (body) {
                    return reader.read(body);
                } catch (IOException e) {
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        if (body.isCauseOf(t)) {
                            throw (IOException) t.getCause(); // the body's: handled below as the node's failure
                        }
                    }
                    throw new ReaderFailed(e);
                }
            });
        } catch (ReaderFailed e) {
            throw e.getCause();
        } catch (IOException e) {
            // a time-out is an InterruptedIOException too, but the node's failure, not a cancel
            if (e.getClass() == InterruptedIOException.class) {
                throw new IpfsException("interrupted while downloading " + cid + " (" + e.getMessage() + ")", true, e);
            }
            throw new IpfsException("IPFS node " + node + " unreachable for cat " + cid + ": " + e, true, e);
        }
    }

    /** Carries the reader's own failure out of the HTTP client's handler, which would otherwise look like the node's. */
    private static final class ReaderFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReaderFailed(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /** The body, aborting the request (its connection is not reused) at the first read after an interrupt. */
    private static InputStream interruptible(InputStream body, HttpPost req) {
        return new java.io.FilterInputStream(body) {
            private long total;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                check();
                int n = super.read(b, off, Math.min(len, CHUNK));
                total += Math.max(n, 0);
                return n;
            }

            @Override
            public int read() throws IOException {
                check();
                int c = super.read();
                total += c >= 0 ? 1 : 0;
                return c;
            }

            private void check() throws InterruptedIOException {
                if (Thread.currentThread().isInterrupted()) {
                    req.cancel(); // closes the connection: nothing of it is reused
                    throw new InterruptedIOException("interrupted after " + total + " bytes");
                }
            }
        };
    }

    /** Status code and body of a small answer. */
    private record Answer(int status, String body) {
    }

    private Answer call(HttpPost req) throws IOException {
        return http.execute(req, r -> new Answer(r.getCode(), r.getEntity() == null ? "" : EntityUtils.toString(r.getEntity(), StandardCharsets.UTF_8)));
    }

    /** Recursive pins of a node, to check what the node itself holds ({@code pin/ls?arg=CID&type=recursive}). */
    public boolean isPinned(URI node, String cid) {
        try {
            Answer r = call(post(node, "/api/v0/pin/ls?arg=" + ClusterClient.enc(cid) + "&type=recursive"));
            if (r.status() == 200) {
                return r.body().contains(cid);
            }
            if (r.status() == 500 && r.body().contains("not pinned")) {
                return false;
            }
            throw new IpfsException("IPFS node " + node + " pin/ls " + cid + ": HTTP " + r.status() + " " + AddResponseParser.abbreviate(r.body()), true);
        } catch (IOException e) {
            throw new IpfsException("IPFS node " + node + " unreachable for pin/ls: " + e, true, e);
        }
    }

    /** How full a node's repository is ({@code repo/stat}): bytes used and the configured maximum. */
    public record RepoStat(long repoSize, long storageMax) {
        public double usedPercent() {
            return storageMax <= 0 ? 0 : 100.0 * repoSize / storageMax;
        }
    }

    public RepoStat repoStat(URI node) {
        try {
            Answer r = call(post(node, "/api/v0/repo/stat?size-only=true"));
            if (r.status() != 200) {
                throw new IpfsException("IPFS node " + node + " repo/stat: HTTP " + r.status() + " " + AddResponseParser.abbreviate(r.body()),
                        r.status() >= 500);
            }
            var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            return new RepoStat(n.path("RepoSize").asLong(), n.path("StorageMax").asLong());
        } catch (IOException e) {
            throw new IpfsException("IPFS node " + node + " unreachable for repo/stat: " + e, true, e);
        }
    }

    /** What {@link #catFirst} hands each node's body to. */
    @FunctionalInterface
    public interface NodeReader<T> {
        T read(URI node, InputStream body) throws IOException;
    }

    /**
     * Tries each node in turn ({@link #catStream}); the first whose body {@code reader} reads to the end wins, and what
     * the reader returned is returned. A node that fails (unreachable, an error answer, a body that breaks off) gives
     * way to the next, and the error after the last names why each failed; what the reader throws for its own
     * reasons ends the tries and is thrown as it is. Each try starts the reader afresh: it must not keep anything of
     * a failed one.
     */
    public <T> T catFirst(List<URI> nodes, String cid, NodeReader<T> reader) throws IOException {
        List<String> failures = new ArrayList<>();
        for (URI node : nodes) {
            try {
                return catStream(node, cid, body -> reader.read(node, body));
            } catch (IpfsException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                failures.add(e.getMessage());
            }
        }
        throw new IpfsException("no IPFS node could give " + cid + ": " + String.join("; ", failures), true);
    }
}
