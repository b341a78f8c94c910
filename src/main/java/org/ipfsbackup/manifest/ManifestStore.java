package org.ipfsbackup.manifest;

import com.mongodb.ReadPreference;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The manifest kept in MongoDB, and the only code that reads or writes it: the backup entries (one document per
 * backup, keyed by its CID), the head (the CID of the newest manifest version published to IPFS) and the history (every
 * published version with the one it links to). Every write uses majority write concern: when a write returns, it
 * survives a fail-over. Reads prefer the primary. The document form of an entry is defined here
 * ({@link #toDocument}, {@link #fromDocument}) and nowhere else.
 */
public class ManifestStore {
    /** The id of the head document in the state collection. */
    static final String HEAD_ID = "head";

    /**
     * The head: the newest published manifest version.
     *
     * @param previous  the version it links to; null for the first
     * @param updatedAt when it was published; null when not known
     * @param keyId     the master key id it was encrypted under; null when not known
     */
    public record Head(String cid, String previous, Instant updatedAt, String keyId) {
        public ManifestVersions.Version version() {
            return new ManifestVersions.Version(cid, previous, updatedAt, null);
        }
    }

    private final MongoCollection<Document> backups;
    private final MongoCollection<Document> state;
    private final MongoCollection<Document> history;

    public ManifestStore(MongoClient client, String database, String collection, String stateCollection, String historyCollection) {
        var db = client.getDatabase(database).withReadPreference(ReadPreference.primaryPreferred()).withWriteConcern(WriteConcern.MAJORITY);
        this.backups = db.getCollection(collection);
        this.state = db.getCollection(stateCollection);
        this.history = db.getCollection(historyCollection);
    }

    // ---- entries

    /** Every entry, oldest first. */
    public List<ManifestEntry> all() {
        List<ManifestEntry> out = new ArrayList<>();
        for (Document d : backups.find().sort(Sorts.ascending("timestamp"))) {
            out.add(fromDocument(d));
        }
        return out;
    }

    public Optional<ManifestEntry> find(String cid) {
        return Optional.ofNullable(backups.find(byId(cid)).first()).map(ManifestStore::fromDocument);
    }

    /** Records a backup (the record step, start-up recovery's adoption); a duplicate CID throws. */
    public void insert(ManifestEntry e) {
        backups.insertOne(toDocument(e));
    }

    /**
     * Removes the entry of a backup that failed after its entry was sent to MongoDB but before the write was known
     * to have succeeded (the connection dropped mid-insert): when this returns, no entry claiming the backup is left.
     * Throws when MongoDB cannot be reached.
     *
     * @return true when an entry was there and was removed
     */
    public boolean withdraw(String cid) {
        return backups.deleteOne(byId(cid)).getDeletedCount() > 0;
    }

    /** Marks the entries of unpinned backups deleted (retention), with the time; returns how many were marked. */
    public long markDeleted(Collection<String> cids, Instant at) {
        if (cids.isEmpty()) {
            return 0;
        }
        return backups.updateMany(Filters.in("_id", cids),
                Updates.combine(Updates.set("status", ManifestEntry.DELETED), Updates.set("deletedAt", Date.from(at)))).getModifiedCount();
    }

    /**
     * Marks one backup deleted by hand ({@code delete}): status {@code deleted}, {@code deletedAt}, {@code deleteReason};
     * the entry stays and the next manifest publish carries it as deleted.
     *
     * @return false when no entry has that CID
     */
    public boolean markDeleted(String cid, Instant at, String reason) {
        return backups.updateOne(byId(cid), Updates.combine(Updates.set("status", ManifestEntry.DELETED),
                Updates.set("deletedAt", Date.from(at)), Updates.set("deleteReason", reason))).getMatchedCount() > 0;
    }

    /** Whether {@code cid} is a published manifest version: the head, or one the history lists. */
    public boolean isManifestVersion(String cid) {
        return cid.equals(headManifestCid().orElse(null)) || history.find(byId(cid)).first() != null;
    }

    // ---- last failure per backup type (status)

    static String failureId(String type) {
        return "lastFailure-" + type;
    }

    /** Records the last failure of a backup type (replacing the one before): when, what failed, whether it was cancelled. */
    public void recordFailure(String type, Instant at, String error, boolean cancelled) {
        Document d = new Document("_id", failureId(type)).append("type", type).append("at", Date.from(at))
                .append("error", error).append("cancelled", cancelled);
        state.replaceOne(byId(failureId(type)), d, new com.mongodb.client.model.ReplaceOptions().upsert(true));
    }

    /**
     * The last failure recorded per backup type ({@code full}, {@code incremental}, {@code slice}): {@code at},
     * {@code error}, {@code cancelled}.
     */
    public java.util.Map<String, Document> lastFailures() {
        java.util.Map<String, Document> out = new java.util.LinkedHashMap<>();
        for (String type : List.of(ManifestEntry.FULL, ManifestEntry.INCREMENTAL, ManifestEntry.SLICE)) {
            Document d = state.find(byId(failureId(type))).first();
            if (d != null) {
                out.put(type, d);
            }
        }
        return out;
    }

    /** Stores the outcome of a verification on the backup's entry. */
    public void recordVerification(String cid, Instant at, String outcome) {
        backups.updateOne(byId(cid), Updates.combine(Updates.set("lastVerifiedAt", Date.from(at)), Updates.set("verification", outcome)));
    }

    /**
     * Stores the outcome of a restore drill on the entry of the full backup it restored: when, {@code pass} or
     * {@code fail: } what differed, and how long the restore took.
     *
     * @return false when no entry has that CID
     */
    public boolean recordDrill(String cid, Instant at, String outcome, long restoreMs) {
        return backups.updateOne(byId(cid), Updates.combine(Updates.set("lastDrillAt", Date.from(at)), Updates.set("drill", outcome),
                Updates.set("drillMs", restoreMs))).getMatchedCount() > 0;
    }

    /**
     * Replaces an entry's wrapped data key (rekey): one atomic update, only if the entry still holds {@code expected}.
     *
     * @return false when the entry changed meanwhile (nothing was written)
     */
    public boolean rewrap(String cid, String expected, String wrappedKey, String keyId, Instant at) {
        return backups.updateOne(Filters.and(byId(cid), Filters.eq("wrappedKey", expected)),
                Updates.combine(Updates.set("wrappedKey", wrappedKey), Updates.set("keyId", keyId),
                        Updates.set("rekeyedAt", Date.from(at)))).getMatchedCount() == 1;
    }

    /** Whether an entry was re-wrapped after {@code since} (null: ever). */
    public boolean rewrappedSince(Instant since) {
        return backups.countDocuments(since == null ? Filters.exists("rekeyedAt") : Filters.gt("rekeyedAt", Date.from(since))) > 0;
    }

    // ---- head and history

    /** The head, if a manifest version was published. */
    public Optional<Head> head() {
        Document d = state.find(byId(HEAD_ID)).first();
        if (d == null || d.getString("cid") == null) {
            return Optional.empty();
        }
        return Optional.of(new Head(d.getString("cid"), d.getString("previous"), instant(d.get("updatedAt")), d.getString("keyId")));
    }

    /** CID of the newest manifest published to IPFS, if any. */
    public Optional<String> headManifestCid() {
        return head().map(Head::cid);
    }

    /** A new manifest version was published and verified pinned: it becomes the head and is listed in the history. */
    public void publish(Head head) {
        state.replaceOne(byId(HEAD_ID), new Document("_id", HEAD_ID).append("cid", head.cid()).append("previous", head.previous())
                .append("updatedAt", Date.from(head.updatedAt())).append("keyId", head.keyId()), new ReplaceOptions().upsert(true));
        history.replaceOne(byId(head.cid()), new Document("_id", head.cid()).append("previous", head.previous())
                .append("createdAt", Date.from(head.updatedAt())), new ReplaceOptions().upsert(true));
    }

    /** The versions the history lists, newest first (those without a time last). */
    public List<ManifestVersions.Version> versions() {
        List<ManifestVersions.Version> out = new ArrayList<>();
        for (Document d : history.find()) {
            out.add(new ManifestVersions.Version(d.getString("_id"), d.getString("previous"), instant(d.get("createdAt")), null));
        }
        out.sort(Comparator.comparing(ManifestVersions.Version::createdAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return out;
    }

    /** Lists a version in the history again (start-up recovery keeps it); its own time when known, else {@code now}. */
    public void relist(ManifestVersions.Version v, Instant now) {
        Instant at = v.createdAt() != null ? v.createdAt() : now;
        history.replaceOne(byId(v.cid()), new Document("_id", v.cid()).append("previous", v.previous())
                .append("createdAt", Date.from(at)).append("relistedAt", Date.from(now)), new ReplaceOptions().upsert(true));
    }

    /** Removes versions from the history (retention unpinned them); returns how many were listed. */
    public long removeVersions(Collection<String> cids) {
        return cids.isEmpty() ? 0 : history.deleteMany(Filters.in("_id", cids)).getDeletedCount();
    }

    // ---- the document form of an entry

    static Document toDocument(ManifestEntry e) {
        Document d = new Document();
        d.put("_id", e.cid());
        d.put("type", e.type());
        d.put("cid", e.cid());
        d.put("timestamp", Date.from(e.timestamp()));
        d.put("size", e.size());
        d.put("encrypted", e.encrypted());
        d.put("databases", e.databases());
        putIf(d, "mongodbVersion", e.mongodbVersion());
        putIf(d, "replicaSet", e.replicaSet());
        d.put("sha256", e.sha256());
        d.put("fileName", e.fileName());
        d.put("durationMs", e.durationMs());
        d.put("peers", e.peers());
        d.put("status", e.status());
        putIf(d, "engine", e.engine());
        putIf(d, "compression", e.compression());
        putIf(d, "keyId", e.keyId());
        putIf(d, "collections", e.collections());
        putIf(d, "documents", e.documents());
        putIf(d, "contentBytes", e.contentBytes());
        putIf(d, "oplogStart", e.oplogStart());
        putIf(d, "oplogEnd", e.oplogEnd());
        putIf(d, "oplogOperations", e.oplogOperations());
        putIf(d, "baseBackup", e.baseBackup());
        putIf(d, "previous", e.previous());
        putIf(d, "deletedAt", e.deletedAt() == null ? null : Date.from(e.deletedAt()));
        putIf(d, "lastVerifiedAt", e.lastVerifiedAt() == null ? null : Date.from(e.lastVerifiedAt()));
        putIf(d, "verification", e.verification());
        putIf(d, "wrappedKey", e.wrappedKey());
        putIf(d, "deleteReason", e.deleteReason());
        if (!e.contentDigests().isEmpty()) {
            // a list, not a map keyed by namespace: namespaces hold dots
            d.put("contentDigests", e.contentDigests().stream().map(c -> new Document("ns", c.namespace())
                    .append("documents", c.documents()).append("digest", c.digest())).toList());
        }
        putIf(d, "lastDrillAt", e.lastDrillAt() == null ? null : Date.from(e.lastDrillAt()));
        putIf(d, "drill", e.drill());
        putIf(d, "drillMs", e.drillMs());
        putIf(d, "slice", e.slice());
        return d;
    }

    static ManifestEntry fromDocument(Document d) {
        return new ManifestEntry(d.getString("type"), d.getString("cid"), instant(d.get("timestamp")), number(d.get("size")),
                Boolean.TRUE.equals(d.getBoolean("encrypted")), strings(d.get("databases")), d.getString("mongodbVersion"),
                d.getString("replicaSet"), d.getString("sha256"), d.getString("fileName"), number(d.get("durationMs")),
                strings(d.get("peers")), d.getString("status"), d.getString("engine"), d.getString("compression"),
                d.getString("keyId"), d.get("collections") == null ? null : (int) number(d.get("collections")),
                optionalNumber(d.get("documents")), optionalNumber(d.get("contentBytes")),
                d.getString("oplogStart"), d.getString("oplogEnd"), optionalNumber(d.get("oplogOperations")),
                d.getString("baseBackup"), d.getString("previous"), instant(d.get("deletedAt")),
                instant(d.get("lastVerifiedAt")), d.getString("verification"), d.getString("wrappedKey"),
                d.getString("deleteReason"), digests(d.get("contentDigests")), instant(d.get("lastDrillAt")), d.getString("drill"),
                optionalNumber(d.get("drillMs")), Boolean.TRUE.equals(d.getBoolean("slice")) ? Boolean.TRUE : null);
    }

    private static List<org.ipfsbackup.drill.CollectionDigest> digests(Object o) {
        List<org.ipfsbackup.drill.CollectionDigest> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object x : l) {
                if (x instanceof Document c) {
                    out.add(new org.ipfsbackup.drill.CollectionDigest(c.getString("ns"), number(c.get("documents")), c.getString("digest")));
                }
            }
        }
        return out;
    }

    private static Bson byId(String id) {
        return Filters.eq("_id", id);
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

    private static Long optionalNumber(Object o) {
        return o == null ? null : number(o);
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
