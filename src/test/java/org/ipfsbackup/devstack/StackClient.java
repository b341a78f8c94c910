package org.ipfsbackup.devstack;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Test helpers that talk to the stack's IPFS Cluster and Kubo APIs. */
final class StackClient {
    private StackClient() {
    }

    /**
     * Adds {@code content} through a cluster peer's REST API with replication 2; returns the CID. {@code env}: the
     * stack's environment, for the REST API's credentials.
     */
    static String clusterAdd(Map<String, String> env, String clusterUrl, String name, byte[] content) throws Exception {
        HttpResponse<String> r = Http.postFile(clusterUrl
                + "/add?stream-channels=false&cid-version=1&replication-min=2&replication-max=2",
                LocalStack.clusterAuthorization(env), name, content, Duration.ofSeconds(60));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST " + clusterUrl + "/add: HTTP " + r.statusCode() + ": " + r.body());
        }
        List<JsonNode> added = LocalStack.readJsonValues(r.body());
        JsonNode cid = added.get(added.size() - 1).path("cid");
        return cid.isObject() ? cid.path("/").asText() : cid.asText();
    }

    /** The pin status per cluster peer of {@code cid} as a cluster peer sees it (peer id to status). */
    static java.util.Map<String, String> pinStatus(Map<String, String> env, String clusterUrl, String cid) throws Exception {
        HttpResponse<String> r = Http.get(clusterUrl + "/pins/" + cid, LocalStack.clusterAuthorization(env),
                Duration.ofSeconds(10));
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        if (r.statusCode() == 200) {
            LocalStack.JSON.readTree(r.body()).path("peer_map").fields()
                    .forEachRemaining(f -> out.put(f.getKey(), f.getValue().path("status").asText()));
        }
        return out;
    }

    /**
     * How long a test waits for a pin to reach both peers. Normally it takes well under a second; but an IPFS Cluster
     * peer that gets stuck fetching a CRDT update from the other gives up only after 2 minutes (go-ds-crdt's
     * DAGSyncerTimeout, fixed in ipfs-cluster 1.1.6) and then gets it from the next re-announcement (10 s here).
     */
    static final java.time.Duration PIN_TIMEOUT = java.time.Duration.ofMinutes(3);

    /** Waits until both cluster peers report {@code cid} pinned, as {@code clusterUrl} sees it. */
    static void awaitPinnedOnBoth(Map<String, String> env, String clusterUrl, String cid) {
        java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>("");
        LocalStack.poll(cid + " pinned on both cluster peers according to " + clusterUrl, PIN_TIMEOUT, () -> {
            java.util.Map<String, String> status = pinStatus(env, clusterUrl, cid);
            last.set(status.toString());
            return status.size() == 2 && status.values().stream().allMatch("pinned"::equals);
        }, last::get);
    }

    /** Kubo's {@code cat} of {@code cid} from the node's own blockstore (offline: no fetching from the other). */
    static byte[] kuboCatOffline(String kuboUrl, String cid) throws Exception {
        HttpResponse<byte[]> r = Http.post(kuboUrl + "/api/v0/cat?arg=" + cid + "&offline=true", Duration.ofSeconds(30));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST " + kuboUrl + "/api/v0/cat: HTTP " + r.statusCode() + ": "
                    + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return r.body();
    }
}
