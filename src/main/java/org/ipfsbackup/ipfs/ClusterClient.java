package org.ipfsbackup.ipfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.entity.mime.FileBody;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.observe.ProgressReporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every IPFS Cluster REST API call of the application (the upload {@code POST /add} of {@code direct:ipfs-add}, pin
 * status, waiting for pins, unpin, recover, allocations, peers), with ONE failover and ONE error classification:
 * each call goes to the nodes in order ({@code IPFS_CLUSTER_NODE_1}, then {@code _2}); a node that cannot be reached,
 * times out or answers 5xx/429 fails over to the next one; when none answers, the call fails with a transient
 * {@link IpfsException} (the routes' dead-letter channel redelivers it, error-handling.camel.yaml). An answer that
 * refuses the request (4xx, bad JSON) is permanent and is not retried on another node.
 *
 * <p>The transport is Apache HttpClient 5 (the library camel-http uses): bodies stream from files, and
 * {@code ipfs.http.timeout} is a socket inactivity timeout, so a large upload is not cut off while it progresses.
 */
public class ClusterClient {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(5);

    private final IpfsSettings settings;
    private final CloseableHttpClient http;

    public ClusterClient(IpfsSettings settings) {
        this(settings, HttpClients.custom().disableAutomaticRetries().disableRedirectHandling().build());
    }

    private ClusterClient(IpfsSettings settings, CloseableHttpClient http) {
        this.settings = settings;
        this.http = http;
    }

    /** The same client (same connections) with another per-request timeout: the health check's short one. */
    public ClusterClient withHttpTimeout(Duration timeout) {
        return new ClusterClient(settings.withHttpTimeout(timeout), http);
    }

    /**
     * {@code POST /add}: streams {@code file} (only encrypted {@code *.enc} files leave the process) as a multipart
     * body with CIDv1 raw leaves and replication-min/max = the replication factor.
     *
     * @param kind the {@code meta-type} of the pin (backup type or {@code manifest})
     */
    public AddResult add(Path file, String name, String kind, java.time.Instant timestamp) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("nothing to upload: " + file + " does not exist");
        }
        if (!name.endsWith(".enc")) {
            // fail closed: only files written by the encrypt step (named *.enc) may leave the process
            throw new IllegalStateException("refusing to upload " + name + ": only encrypted files (*.enc) are uploaded");
        }
        int rf = settings.replicationFactor();
        StringJoiner q = new StringJoiner("&");
        q.add("stream-channels=false").add("cid-version=1").add("raw-leaves=true")
                .add("replication-min=" + rf).add("replication-max=" + rf)
                .add("name=" + enc(name)).add("meta-type=" + enc(kind == null ? "backup" : kind))
                .add("meta-timestamp=" + enc(timestamp.toString())).add("meta-app=ipfs-backup");
        HttpEntity body = MultipartEntityBuilder.create().setMode(HttpMultipartMode.STRICT)
                .addPart("file", new FileBody(file.toFile(), ContentType.APPLICATION_OCTET_STREAM, name) {
                    @Override
                    public void writeTo(java.io.OutputStream out) throws IOException {
                        // bytes sent of the file's size, rate and ETA; again from 0 when sent again to another peer
                        ProgressReporter progress = ProgressReporter.start("uploading " + name, ProgressReporter.Unit.BYTES, getContentLength());
                        try {
                            super.writeTo(progress.counting(out));
                        } finally {
                            progress.finish();
                        }
                    }
                }).build();
        Answer r = send("POST", "/add?" + q, body);
        if (r.statusCode() != 200) {
            String msg = r.body() == null ? "" : r.body().strip();
            try {
                msg = JSON.readTree(msg).path("message").asText(msg);
            } catch (IOException | RuntimeException notJson) {
                // keep the raw text
            }
            throw IpfsException.refused("cluster " + r.node() + " refused /add", r.statusCode(), msg);
        }
        return AddResponseParser.parse(r.body(), r.node().toString());
    }

    public PinStatus status(String cid) {
        Answer r = send("GET", "/pins/" + enc(cid), null);
        if (r.statusCode() != 200) {
            throw error("GET /pins/" + cid, r);
        }
        return parseStatus(r.body());
    }

    /**
     * Polls {@code GET /pins/{cid}} until every allocated peer reports {@code pinned} (and at least
     * {@code minPeers} are required), or the timeout passes.
     *
     * @return the final status, pinned on all required peers
     * @throws PinTimeoutException naming the peers that were not pinned in time
     */
    public PinStatus awaitPinned(String cid, int minPeers, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        PinStatus last = null;
        RuntimeException lastError = null;
        while (true) {
            try {
                last = status(cid);
                lastError = null;
                if (last.pinnedOnAll(minPeers)) {
                    return last;
                }
            } catch (IpfsException e) {
                if (!e.isTransient()) {
                    throw e;
                }
                lastError = e;
            }
            if (Instant.now().isAfter(deadline)) {
                break;
            }
            pause(settings.pinPollInterval());
        }
        String state = last == null ? "no answer" : last.describe();
        // it already waited the full timeout: not transient
        throw new PinTimeoutException("CID " + cid + " was not pinned on " + Math.max(minPeers, last == null ? 0 : last.requiredPeers().size())
                + " peers within " + timeout.toSeconds() + "s (ipfs.pin.timeout): " + state
                + (lastError == null ? "" : "; last error: " + lastError.getMessage()));
    }

    /** {@code DELETE /pins/{cid}}. @return false when the cluster did not have it (404: already gone). */
    public boolean unpin(String cid) {
        Answer r = send("DELETE", "/pins/" + enc(cid), null);
        if (r.statusCode() == 404) {
            return false;
        }
        if (r.statusCode() != 200) {
            throw error("DELETE /pins/" + cid, r);
        }
        return true;
    }

    /** {@code POST /pins/{cid}/recover}: asks every peer to retry a failed pin; answers the status after the request. */
    public PinStatus recover(String cid) {
        Answer r = send("POST", "/pins/" + enc(cid) + "/recover", new StringEntity(""));
        if (r.statusCode() != 200) {
            throw error("POST /pins/" + cid + "/recover", r);
        }
        return parseStatus(r.body());
    }

    /** {@code GET /id}: the id of the peer that answered (the health check: is the cluster API reachable?). */
    public String id() {
        Answer r = send("GET", "/id", null);
        if (r.statusCode() != 200) {
            throw error("GET /id", r);
        }
        try {
            return JSON.readTree(r.body()).path("id").asText();
        } catch (IOException e) {
            throw new IpfsException("cluster answered /id with something that is not JSON: " + AddResponseParser.abbreviate(r.body()), false, e);
        }
    }

    /** {@code GET /peers}: the peer ids of the cluster, with the error text of unreachable ones. */
    public Map<String, String> peers() {
        Answer r = send("GET", "/peers", null);
        Map<String, String> out = new LinkedHashMap<>();
        if (r.statusCode() == 204) {
            return out;
        }
        if (r.statusCode() != 200) {
            throw error("GET /peers", r);
        }
        for (String line : r.body().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                out.put(n.path("id").asText(), n.path("error").asText(""));
            } catch (IOException e) {
                throw new IpfsException("cluster answered /peers with something that is not JSON", false, e);
            }
        }
        return out;
    }

    /**
     * {@code GET /allocations?filter=pin}: every data pin of the cluster pinset, with name, metadata and timestamp.
     * The answer is NDJSON (one Pin object per line; 204 without a body when the pinset is empty); a JSON array, as
     * older cluster versions send, is read too. The explicit {@code filter=pin} matters: some cluster versions treat
     * a missing filter as no type at all and answer nothing.
     */
    public List<ClusterPin> allocations() {
        Answer r = send("GET", "/allocations?filter=pin", null);
        List<ClusterPin> out = new ArrayList<>();
        if (r.statusCode() == 204) {
            return out;
        }
        if (r.statusCode() != 200) {
            throw error("GET /allocations", r);
        }
        String body = r.body() == null ? "" : r.body().trim();
        try {
            if (body.startsWith("[")) {
                for (JsonNode n : JSON.readTree(body)) {
                    out.add(ClusterPin.fromJson(n));
                }
                return out;
            }
            for (String line : body.split("\\n")) {
                if (!line.isBlank()) {
                    out.add(ClusterPin.fromJson(JSON.readTree(line)));
                }
            }
        } catch (IOException e) {
            throw new IpfsException("cluster answered /allocations with something that is not JSON: " + AddResponseParser.abbreviate(body), false, e);
        } catch (IllegalArgumentException e) {
            throw new IpfsException("cluster answered /allocations with " + e.getMessage(), false, e);
        }
        return out;
    }

    static PinStatus parseStatus(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            List<String> alloc = new ArrayList<>();
            n.path("allocations").forEach(a -> alloc.add(a.asText()));
            Map<String, PinStatus.PeerPin> peers = new LinkedHashMap<>();
            n.path("peer_map").fields().forEachRemaining(e -> {
                JsonNode p = e.getValue();
                peers.put(e.getKey(), new PinStatus.PeerPin(e.getKey(), p.path("peername").asText(""),
                        p.path("status").asText("undefined"), p.path("error").asText("")));
            });
            return new PinStatus(n.path("cid").asText(), alloc, peers);
        } catch (IOException e) {
            throw new IpfsException("cluster answered a pin status that is not JSON: " + AddResponseParser.abbreviate(body), false, e);
        }
    }

    /** What a node answered: its status and body (read whole: REST answers are small). */
    private record Answer(URI node, int statusCode, String body) {
    }

    /** The one failover loop: the nodes in order; unreachable, timed out, 5xx or 429 goes on to the next node. */
    private Answer send(String method, String path, HttpEntity body) {
        List<String> failures = new ArrayList<>();
        Timeout timeout = Timeout.of(settings.httpTimeout());
        for (URI node : settings.clusterNodes()) {
            HttpUriRequestBase request = new HttpUriRequestBase(method, URI.create(node + path));
            request.setConfig(RequestConfig.custom().setConnectTimeout(CONNECT_TIMEOUT).setConnectionRequestTimeout(timeout)
                    .setResponseTimeout(timeout).build());
            if (body != null) {
                request.setEntity(body);
            }
            if (settings.authorization() != null) {
                request.setHeader("Authorization", settings.authorization());
            }
            try {
                Answer r = http.execute(request, response -> new Answer(node, response.getCode(),
                        response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8)));
                if (r.statusCode() >= 500 || r.statusCode() == 429) {
                    failures.add(node + ": HTTP " + r.statusCode() + " " + AddResponseParser.abbreviate(r.body()));
                    LOG.warn("cluster node {} answered {} {} with HTTP {}; trying the next node", node, method, pathOnly(path), r.statusCode());
                    continue;
                }
                return r;
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IpfsException("interrupted while calling the cluster", false, e); // a stop, not a fault to retry
                }
                failures.add(node + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
                LOG.warn("cluster node {} unreachable for {} {}: {}; trying the next node", node, method, pathOnly(path), e.toString());
            }
        }
        throw new IpfsException("no cluster node answered " + method + " " + pathOnly(path) + ": " + String.join("; ", failures), true);
    }

    private static String pathOnly(String path) {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    private static IpfsException error(String what, Answer r) {
        int s = r.statusCode();
        return IpfsException.refused("cluster refused " + what, s, AddResponseParser.abbreviate(r.body()));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpfsException("interrupted while waiting for pins", false, e); // a stop, not a fault to retry
        }
    }
}
