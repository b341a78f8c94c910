package org.ipfsbackup.ipfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ipfsbackup.config.IpfsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IPFS Cluster REST API calls made outside the upload route: pin status, waiting for pins, unpin.
 * Each call goes to the first node that answers; an unreachable node fails over to the next one.
 */
public class ClusterClient {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final IpfsSettings settings;
    private final HttpClient http;

    public ClusterClient(IpfsSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public PinStatus status(String cid) {
        HttpResponse<String> r = send("GET", "/pins/" + enc(cid), null);
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
        HttpResponse<String> r = send("DELETE", "/pins/" + enc(cid), null);
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
        HttpResponse<String> r = send("POST", "/pins/" + enc(cid) + "/recover", "");
        if (r.statusCode() != 200) {
            throw error("POST /pins/" + cid + "/recover", r);
        }
        return parseStatus(r.body());
    }

    /** {@code GET /id}: the id of the peer that answered (the health check: is the cluster API reachable?). */
    public String id() {
        HttpResponse<String> r = send("GET", "/id", null);
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
        HttpResponse<String> r = send("GET", "/peers", null);
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
        HttpResponse<String> r = send("GET", "/allocations?filter=pin", null);
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

    private HttpResponse<String> send(String method, String path, String body) {
        List<String> failures = new ArrayList<>();
        for (URI node : settings.clusterNodes()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node + path)).timeout(settings.httpTimeout())
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (settings.authorization() != null) {
                b.header("Authorization", settings.authorization());
            }
            try {
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() >= 500 || r.statusCode() == 429) {
                    failures.add(node + ": HTTP " + r.statusCode() + " " + AddResponseParser.abbreviate(r.body()));
                    LOG.warn("cluster node {} answered {} {} with HTTP {}; trying the next node", node, method, path, r.statusCode());
                    continue;
                }
                return r;
            } catch (IOException e) {
                failures.add(node + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
                LOG.warn("cluster node {} unreachable for {} {}: {}; trying the next node", node, method, path, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IpfsException("interrupted while calling the cluster", false, e); // a stop, not a fault to retry
            }
        }
        throw new IpfsException("no cluster node answered " + method + " " + path + ": " + String.join("; ", failures), true);
    }

    private static IpfsException error(String what, HttpResponse<String> r) {
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
