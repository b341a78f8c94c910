package org.ipfsbackup.ipfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Kubo RPC calls used to read content back from IPFS nodes directly (restore, verify, demo). */
public class KuboClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Duration timeout;

    public KuboClient(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * {@code POST /api/v0/cat?arg=CID} on one node, streamed into {@code out}.
     * @return bytes written
     */
    public long cat(URI node, String cid, OutputStream out) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(node + "/api/v0/cat?arg=" + ClusterClient.enc(cid)
                        + "&timeout=" + timeout.toSeconds() + "s"))
                .timeout(timeout).POST(HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    String msg = new String(in.readNBytes(2000), java.nio.charset.StandardCharsets.UTF_8);
                    throw new IpfsException("IPFS node " + node + " cannot give " + cid + ": HTTP " + r.statusCode() + " "
                            + AddResponseParser.abbreviate(msg), r.statusCode() >= 500);
                }
                // An error after streaming started arrives only in the X-Stream-Error trailer, which the JDK client
                // does not expose: callers check the sha256 from the manifest, which catches any short or bad body.
                return in.transferTo(out);
            }
        } catch (IOException e) {
            throw new IpfsException("IPFS node " + node + " unreachable for cat " + cid + ": " + e, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpfsException("interrupted while downloading " + cid, true, e);
        }
    }

    /** Recursive pins of a node, to check what the node itself holds ({@code pin/ls?arg=CID&type=recursive}). */
    public boolean isPinned(URI node, String cid) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(node + "/api/v0/pin/ls?arg=" + ClusterClient.enc(cid) + "&type=recursive"))
                .timeout(timeout).POST(HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return r.body().contains(cid);
            }
            if (r.statusCode() == 500 && r.body().contains("not pinned")) {
                return false;
            }
            throw new IpfsException("IPFS node " + node + " pin/ls " + cid + ": HTTP " + r.statusCode() + " " + AddResponseParser.abbreviate(r.body()), true);
        } catch (IOException e) {
            throw new IpfsException("IPFS node " + node + " unreachable for pin/ls: " + e, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpfsException("interrupted", true, e);
        }
    }

    /** How full a node's repository is ({@code repo/stat}): bytes used and the configured maximum. */
    public record RepoStat(long repoSize, long storageMax) {
        public double usedPercent() {
            return storageMax <= 0 ? 0 : 100.0 * repoSize / storageMax;
        }
    }

    public RepoStat repoStat(URI node) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(node + "/api/v0/repo/stat?size-only=true"))
                .timeout(timeout).POST(HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IpfsException("IPFS node " + node + " repo/stat: HTTP " + r.statusCode() + " " + AddResponseParser.abbreviate(r.body()),
                        r.statusCode() >= 500);
            }
            var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            return new RepoStat(n.path("RepoSize").asLong(), n.path("StorageMax").asLong());
        } catch (IOException e) {
            throw new IpfsException("IPFS node " + node + " unreachable for repo/stat: " + e, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpfsException("interrupted", true, e);
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
                failures.add(e.getMessage());
            }
        }
        throw new IpfsException("no IPFS node could give " + cid + ": " + String.join("; ", failures), true);
    }
}
