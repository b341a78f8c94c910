package org.ipfsbackup.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;

/**
 * One backup as recorded in the manifest. Written only after the backup is verified pinned, so an entry with
 * status {@code complete} always names content that existed on every allocated peer at that time.
 *
 * @param type {@code full} or {@code incremental}
 * @param size bytes of the encrypted file as uploaded
 * @param sha256 hex sha256 of the encrypted file as uploaded
 * @param peers cluster peer ids that reported the CID pinned
 * @param keyId id of the master key {@code wrappedKey} is wrapped under (the key that encrypted the backup, until
 *     {@code rekey} re-wraps its data key under a newer one)
 * @param wrappedKey the backup's data key wrapped under master key {@code keyId}
 *     ({@link org.ipfsbackup.crypto.WrappedKey#encode()}); null for backups written before format version 2
 * @param deleteReason why an entry of status {@code deleted} was deleted ({@code delete} command); null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ManifestEntry(String type, String cid, Instant timestamp, long size, boolean encrypted, List<String> databases,
                            String mongodbVersion, String replicaSet, String sha256, String fileName, long durationMs,
                            List<String> peers, String status, String engine, String compression, String keyId,
                            Integer collections, Long documents, Long contentBytes,
                            String oplogStart, String oplogEnd, Long oplogOperations, String baseBackup, String previous,
                            Instant deletedAt, Instant lastVerifiedAt, String verification, String wrappedKey, String deleteReason) {

    public static final String COMPLETE = "complete";

    /** An entry that was not deleted by hand (no delete reason). */
    public ManifestEntry(String type, String cid, Instant timestamp, long size, boolean encrypted, List<String> databases,
                         String mongodbVersion, String replicaSet, String sha256, String fileName, long durationMs,
                         List<String> peers, String status, String engine, String compression, String keyId,
                         Integer collections, Long documents, Long contentBytes,
                         String oplogStart, String oplogEnd, Long oplogOperations, String baseBackup, String previous,
                         Instant deletedAt, Instant lastVerifiedAt, String verification, String wrappedKey) {
        this(type, cid, timestamp, size, encrypted, databases, mongodbVersion, replicaSet, sha256, fileName, durationMs, peers, status,
                engine, compression, keyId, collections, documents, contentBytes, oplogStart, oplogEnd, oplogOperations, baseBackup,
                previous, deletedAt, lastVerifiedAt, verification, wrappedKey, null);
    }

    /** An entry without a wrapped data key (format version 1 backups). */
    public ManifestEntry(String type, String cid, Instant timestamp, long size, boolean encrypted, List<String> databases,
                         String mongodbVersion, String replicaSet, String sha256, String fileName, long durationMs,
                         List<String> peers, String status, String engine, String compression, String keyId,
                         Integer collections, Long documents, Long contentBytes,
                         String oplogStart, String oplogEnd, Long oplogOperations, String baseBackup, String previous,
                         Instant deletedAt, Instant lastVerifiedAt, String verification) {
        this(type, cid, timestamp, size, encrypted, databases, mongodbVersion, replicaSet, sha256, fileName, durationMs, peers, status,
                engine, compression, keyId, collections, documents, contentBytes, oplogStart, oplogEnd, oplogOperations, baseBackup,
                previous, deletedAt, lastVerifiedAt, verification, null);
    }

    /** The same entry with its data key re-wrapped under master key {@code keyId}. */
    public ManifestEntry withWrappedKey(String newKeyId, String newWrappedKey) {
        return new ManifestEntry(type, cid, timestamp, size, encrypted, databases, mongodbVersion, replicaSet, sha256, fileName, durationMs,
                peers, status, engine, compression, newKeyId, collections, documents, contentBytes, oplogStart, oplogEnd, oplogOperations,
                baseBackup, previous, deletedAt, lastVerifiedAt, verification, newWrappedKey, deleteReason);
    }

    /**
     * The wrapped data key, parsed; null when the entry has none (an old-format backup) or it is malformed: decryption
     * then uses the key in the file's header, which is authenticated with the file.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public org.ipfsbackup.crypto.WrappedKey dataKey() {
        try {
            return wrappedKey == null ? null : org.ipfsbackup.crypto.WrappedKey.parse(wrappedKey);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
    public static final String DELETED = "deleted";

    /** An entry not verified yet (the scheduled verification sets lastVerifiedAt and its outcome). */
    public ManifestEntry(String type, String cid, Instant timestamp, long size, boolean encrypted, List<String> databases,
                         String mongodbVersion, String replicaSet, String sha256, String fileName, long durationMs,
                         List<String> peers, String status, String engine, String compression, String keyId,
                         Integer collections, Long documents, Long contentBytes,
                         String oplogStart, String oplogEnd, Long oplogOperations, String baseBackup, String previous,
                         Instant deletedAt) {
        this(type, cid, timestamp, size, encrypted, databases, mongodbVersion, replicaSet, sha256, fileName, durationMs, peers, status,
                engine, compression, keyId, collections, documents, contentBytes, oplogStart, oplogEnd, oplogOperations, baseBackup,
                previous, deletedAt, null, null);
    }

    public ManifestEntry {
        databases = databases == null ? List.of() : List.copyOf(databases);
        peers = peers == null ? List.of() : List.copyOf(peers);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isFull() {
        return "full".equals(type);
    }

    public Document toDocument() {
        Document d = new Document();
        d.put("_id", cid);
        d.put("type", type);
        d.put("cid", cid);
        d.put("timestamp", Date.from(timestamp));
        d.put("size", size);
        d.put("encrypted", encrypted);
        d.put("databases", databases);
        putIf(d, "mongodbVersion", mongodbVersion);
        putIf(d, "replicaSet", replicaSet);
        d.put("sha256", sha256);
        d.put("fileName", fileName);
        d.put("durationMs", durationMs);
        d.put("peers", peers);
        d.put("status", status);
        putIf(d, "engine", engine);
        putIf(d, "compression", compression);
        putIf(d, "keyId", keyId);
        putIf(d, "collections", collections);
        putIf(d, "documents", documents);
        putIf(d, "contentBytes", contentBytes);
        putIf(d, "oplogStart", oplogStart);
        putIf(d, "oplogEnd", oplogEnd);
        putIf(d, "oplogOperations", oplogOperations);
        putIf(d, "baseBackup", baseBackup);
        putIf(d, "previous", previous);
        putIf(d, "deletedAt", deletedAt == null ? null : Date.from(deletedAt));
        putIf(d, "lastVerifiedAt", lastVerifiedAt == null ? null : Date.from(lastVerifiedAt));
        putIf(d, "verification", verification);
        putIf(d, "wrappedKey", wrappedKey);
        putIf(d, "deleteReason", deleteReason);
        return d;
    }

    public static ManifestEntry fromDocument(Document d) {
        return new ManifestEntry(d.getString("type"), d.getString("cid"), instant(d.get("timestamp")), number(d.get("size")),
                Boolean.TRUE.equals(d.getBoolean("encrypted")), strings(d.get("databases")), d.getString("mongodbVersion"),
                d.getString("replicaSet"), d.getString("sha256"), d.getString("fileName"), number(d.get("durationMs")),
                strings(d.get("peers")), d.getString("status"), d.getString("engine"), d.getString("compression"),
                d.getString("keyId"), d.get("collections") == null ? null : (int) number(d.get("collections")),
                d.get("documents") == null ? null : number(d.get("documents")),
                d.get("contentBytes") == null ? null : number(d.get("contentBytes")),
                d.getString("oplogStart"), d.getString("oplogEnd"),
                d.get("oplogOperations") == null ? null : number(d.get("oplogOperations")),
                d.getString("baseBackup"), d.getString("previous"), d.get("deletedAt") == null ? null : instant(d.get("deletedAt")),
                d.get("lastVerifiedAt") == null ? null : instant(d.get("lastVerifiedAt")), d.getString("verification"),
                d.getString("wrappedKey"), d.getString("deleteReason"));
    }

    private static void putIf(Document d, String k, Object v) {
        if (v != null) {
            d.put(k, v);
        }
    }

    private static Instant instant(Object o) {
        if (o instanceof Date date) {
            return date.toInstant();
        }
        return o == null ? null : Instant.parse(o.toString());
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : o == null ? 0 : Long.parseLong(o.toString());
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            l.forEach(x -> out.add(String.valueOf(x)));
        }
        return out;
    }
}
