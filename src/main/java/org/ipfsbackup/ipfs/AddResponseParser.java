package org.ipfsbackup.ipfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what the cluster answers to {@code POST /add}: with {@code stream-channels=false} a JSON array of objects,
 * in streaming mode NDJSON lines; the last object is the root. An empty or rootless body is a failure (the cluster
 * can answer 200 with an empty body for an invalid replication combination, ipfs-cluster #2123).
 */
public final class AddResponseParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AddResponseParser() {
    }

    public static AddResult parse(String body, String node) {
        if (body == null || body.isBlank()) {
            throw new IpfsException("cluster " + node + " answered /add with an empty body: nothing was added (check the replication settings)", false);
        }
        List<JsonNode> objects = new ArrayList<>();
        try {
            String trimmed = body.trim();
            if (trimmed.startsWith("[")) {
                JSON.readTree(trimmed).forEach(objects::add);
            } else {
                for (String line : trimmed.split("\n")) {
                    if (!line.isBlank()) {
                        objects.add(JSON.readTree(line));
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new IpfsException("cluster " + node + " answered /add with something that is not JSON: " + abbreviate(body), false, e);
        }
        if (objects.isEmpty()) {
            throw new IpfsException("cluster " + node + " answered /add with no object: nothing was added", false);
        }
        JsonNode root = objects.get(objects.size() - 1);
        if (root.hasNonNull("code") && root.hasNonNull("message") && !root.hasNonNull("cid")) {
            throw new IpfsException("cluster " + node + " refused /add: " + root.get("message").asText(), false);
        }
        String cid = text(root.get("cid"));
        if (cid == null || cid.isBlank()) {
            throw new IpfsException("cluster " + node + " answered /add without a root CID: " + abbreviate(body), false);
        }
        List<String> allocations = new ArrayList<>();
        JsonNode alloc = root.get("allocations");
        if (alloc != null && alloc.isArray()) {
            alloc.forEach(a -> allocations.add(a.asText()));
        }
        JsonNode size = root.get("size");
        long bytes = size == null || size.isNull() ? -1 : size.isNumber() ? size.asLong() : Long.parseLong(size.asText());
        return new AddResult(text(root.get("name")), cid, bytes, allocations);
    }

    /** The cid field is a string, or in some versions an object {"/": "..."}. */
    private static String text(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject() && n.has("/")) {
            return n.get("/").asText();
        }
        return n.asText();
    }

    static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }
}
