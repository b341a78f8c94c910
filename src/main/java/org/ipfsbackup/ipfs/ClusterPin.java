package org.ipfsbackup.ipfs;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of the cluster pinset, as {@code GET /allocations} streams it (the cluster's Pin object, reduced to what
 * this project needs).
 *
 * @param cid         the CID (plain string)
 * @param name        the pin name, {@code ""} when unnamed
 * @param metadata    the pin metadata; the {@code meta-<key>} query parameters of /add arrive here as {@code <key>}
 * @param timestamp   when the pin was made; {@code null} when absent, unreadable or the Go zero time
 * @param allocations the peer ids holding it; empty when the cluster sent {@code null}
 */
public record ClusterPin(String cid, String name, Map<String, String> metadata, Instant timestamp, List<String> allocations) {

    private static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

    public ClusterPin {
        if (cid == null || cid.isBlank()) {
            throw new IllegalArgumentException("a cluster pin needs a CID");
        }
        name = name == null ? "" : name;
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        allocations = allocations == null ? List.of() : List.copyOf(allocations.stream().filter(a -> a != null).toList());
    }

    /** A metadata value, trying {@code key} and {@code meta-key}; null when neither is set. */
    public String meta(String key) {
        String v = metadata.get(key);
        return v != null ? v : metadata.get("meta-" + key);
    }

    /**
     * Reads one Pin object. Accepts {@code cid} as a string or as {@code {"/":"..."}}, {@code null} or missing
     * lists/maps, non-string metadata values (kept as their JSON text) and RFC3339Nano timestamps with any offset.
     *
     * @throws IllegalArgumentException when the object has no CID
     */
    public static ClusterPin fromJson(JsonNode n) {
        JsonNode c = n.path("cid");
        String cid = c.isObject() ? c.path("/").asText("") : c.isValueNode() && !c.isNull() ? c.asText("") : "";
        if (cid.isBlank()) {
            throw new IllegalArgumentException("cluster pin without a CID: " + AddResponseParser.abbreviate(n.toString()));
        }
        JsonNode nm = n.path("name");
        String name = nm.isTextual() ? nm.asText() : "";
        Map<String, String> meta = new LinkedHashMap<>();
        n.path("metadata").fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v != null && !v.isNull()) {
                meta.put(e.getKey(), v.isValueNode() ? v.asText() : v.toString());
            }
        });
        List<String> alloc = new ArrayList<>();
        n.path("allocations").forEach(a -> {
            if (!a.isNull()) {
                alloc.add(a.asText());
            }
        });
        return new ClusterPin(cid, name, meta, parseTime(n.path("timestamp").asText(null)), alloc);
    }

    /** RFC3339 / RFC3339Nano to an instant; null for absent, unreadable, or the Go zero time. */
    static Instant parseTime(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            Instant t = OffsetDateTime.parse(s.trim(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            return t.equals(GO_ZERO_TIME) || t.isBefore(Instant.EPOCH) ? null : t;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
