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

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
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
                    .build())
            .build();
    private final Duration timeout;
    private final RequestConfig config;

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
        HttpPost req = post(node, "/api/v0/cat?arg=" + ClusterClient.enc(cid) + "&timeout=" + timeout.toSeconds() + "s");
        try {
            return http.execute(req, (ClassicHttpResponse r) -> {
                if (r.getCode() != 200) {
                    String msg = r.getEntity() == null ? "" : new String(r.getEntity().getContent().readNBytes(2000), StandardCharsets.UTF_8);
                    throw new IpfsException("IPFS node " + node + " cannot give " + cid + ": HTTP " + r.getCode() + " "
                            + AddResponseParser.abbreviate(msg), r.getCode() >= 500);
                }
                if (r.getEntity() == null) {
                    return 0L;
                }
                // An error after streaming started arrives only in the X-Stream-Error trailer: callers check the sha256
                // from the manifest, which catches any short or bad body.
                try (InputStream in = r.getEntity().getContent()) {
                    byte[] buffer = new byte[CHUNK];
                    long total = 0;
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        if (Thread.currentThread().isInterrupted()) {
                            req.cancel(); // closes the connection: nothing of it is reused
                            throw new InterruptedIOException("interrupted after " + total + " bytes");
                        }
                        out.write(buffer, 0, n);
                        total += n;
                    }
                    return total;
                }
            });
        } catch (InterruptedIOException e) {
            throw new IpfsException("interrupted while downloading " + cid + " (" + e.getMessage() + ")", true, e);
        } catch (IOException e) {
            throw new IpfsException("IPFS node " + node + " unreachable for cat " + cid + ": " + e, true, e);
        }
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

    /** Tries each node in turn; the first that delivers the whole content wins. Output is reset between tries by the caller's factory. */
    public URI catFirst(List<URI> nodes, String cid, java.util.function.Supplier<OutputStream> freshOut) {
        List<String> failures = new ArrayList<>();
        for (URI node : nodes) {
            try (OutputStream out = freshOut.get()) {
                cat(node, cid, out);
                return node;
            } catch (IpfsException | IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e instanceof IpfsException ie ? ie : new IpfsException("interrupted while downloading " + cid, true, e);
                }
                failures.add(e.getMessage());
            }
        }
        throw new IpfsException("no IPFS node could give " + cid + ": " + String.join("; ", failures), true);
    }
}
