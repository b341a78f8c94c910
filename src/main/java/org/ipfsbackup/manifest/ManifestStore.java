package org.ipfsbackup.manifest;

import com.mongodb.ReadPreference;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The manifest kept in MongoDB, and the only code that reads or writes it: the backup entries (one document per
 * backup, keyed by its CID), the head (the CID of the newest manifest version published to IPFS) and the history (every
 * published version with the one it links to). Every write uses majority write concern: when a write returns, it
 * survives a fail-over. Reads prefer the primary. The document form of an entry is defined here
 * ({@link #toDocument}, {@link #fromDocument}) and nowhere else. It also builds each manifest version to publish
 * ({@link #nextVersion}: a delta on the head, or a checkpoint) and records it once pinned ({@link #published}); for
 * that an entry's document carries the fingerprint of its JSON as last published ({@value #PUBLISHED}), which is not
 * part of the entry.
 */
public class ManifestStore {
    /** The id of the head document in the state collection. */
    static final String HEAD_ID = "head";
    /** On an entry's document: the fingerprint of its JSON in the newest published version. */
    static final String PUBLISHED = "published";
    /** On the head document: entries withdrawn since it was published that it names (CID and fingerprint). */
    static final String WITHDRAWN = "withdrawn";

    /**
     * A new checkpoint is published after this many deltas (ManifestFile format 2): a reader walks at most this many
     * versions plus the checkpoint. See docs/format.md, "The published manifest", for why 256.
     */
    public static final int MAX_DELTAS = 256;

    /**
     * The head: the newest published manifest version.
     *
     * @param previous  the version it links to; null for the first
     * @param updatedAt when it was published; null when not known
     * @param keyId     the master key id it was encrypted under; null when not known
     * @param chain     where it stands in its delta chain; null when not known (published by a version-1 writer)
     */
    public record Head(String cid, String previous, Instant updatedAt, String keyId, Chain chain) {
        public Head(String cid, String previous, Instant updatedAt, String keyId) {
            this(cid, previous, updatedAt, keyId, null);
        }

        public ManifestVersions.Version version() {
            return new ManifestVersions.Version(cid, previous, updatedAt, null, chain == null ? null : chain.checkpoint());
        }
    }

    /**
     * Where a published version stands in its delta chain.
     *
     * @param depth       deltas back to its checkpoint (0: it is a checkpoint)
     * @param deltaBytes  plaintext JSON bytes of the deltas since its checkpoint, its own included
     * @param stateDigest digest of the state it publishes (every entry's CID and fingerprint): tells whether the
     *                    fingerprints recorded on the entries still describe it
     */
    public record Chain(int depth, long deltaBytes, String stateDigest) {
        public boolean checkpoint() {
            return depth == 0;
        }
    }

    /**
     * The next manifest version to publish, built against the head ({@link #nextVersion}); {@link #published} records it
     * once it is pinned.
     *
     * @param file        the version: a delta on the head, or a checkpoint
     * @param chain       its place in the chain (goes on the head)
     * @param fingerprints the entries whose recorded fingerprint it changes: CID to fingerprint
     * @param checkpointReason why it is a checkpoint; null for a delta
     * @param fullBytes   plaintext JSON bytes of the whole state's entries (what a checkpoint would weigh)
     */
    public record NextVersion(ManifestFile file, Chain chain, Map<String, String> fingerprints, String checkpointReason, long fullBytes) {
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
        Document gone = backups.findOneAndDelete(byId(cid));
        if (gone != null && gone.getString(PUBLISHED) != null) {
            // a published version names it: the next version lists it as removed
            state.updateOne(byId(HEAD_ID), Updates.push(WITHDRAWN, new Document("cid", cid).append("fingerprint", gone.getString(PUBLISHED))));
        }
        return gone != null;
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
        return head(state.find(byId(HEAD_ID)).first());
    }

    private static Optional<Head> head(Document d) {
        if (d == null || d.getString("cid") == null) {
            return Optional.empty();
        }
        Chain chain = d.getString("stateDigest") == null ? null
                : new Chain((int) number(d.get("depth")), number(d.get("deltaBytes")), d.getString("stateDigest"));
        return Optional.of(new Head(d.getString("cid"), d.getString("previous"), instant(d.get("updatedAt")), d.getString("keyId"), chain));
    }

    /** CID of the newest manifest published to IPFS, if any. */
    public Optional<String> headManifestCid() {
        return head().map(Head::cid);
    }

    /** A new manifest version was published and verified pinned: it becomes the head and is listed in the history. */
    public void publish(Head head) {
        Document h = new Document("_id", HEAD_ID).append("cid", head.cid()).append("previous", head.previous())
                .append("updatedAt", Date.from(head.updatedAt())).append("keyId", head.keyId());
        Document v = new Document("_id", head.cid()).append("previous", head.previous()).append("createdAt", Date.from(head.updatedAt()));
        if (head.chain() != null) {
            h.append("depth", head.chain().depth()).append("deltaBytes", head.chain().deltaBytes()).append("stateDigest", head.chain().stateDigest());
            v.append("checkpoint", head.chain().checkpoint());
        }
        state.replaceOne(byId(HEAD_ID), h, new ReplaceOptions().upsert(true));
        history.replaceOne(byId(head.cid()), v, new ReplaceOptions().upsert(true));
    }

    /**
     * The version built by {@link #nextVersion} was published and verified pinned: it becomes the head (with its place
     * in the chain), is listed in the history, and the fingerprints of the entries it carried are recorded, so the
     * next version carries only what changes after it. If this stops half-way, the next version sees that the
     * fingerprints do not match the head's state digest and is a checkpoint.
     */
    public void published(String cid, NextVersion next, Instant at, String keyId) {
        publish(new Head(cid, next.file().previousManifest(), at, keyId, next.chain()));
        List<UpdateOneModel<Document>> updates = new ArrayList<>();
        next.fingerprints().forEach((c, fp) -> updates.add(new UpdateOneModel<>(byId(c), Updates.set(PUBLISHED, fp))));
        for (int i = 0; i < updates.size(); i += 1000) {
            backups.bulkWrite(updates.subList(i, Math.min(updates.size(), i + 1000)), new BulkWriteOptions().ordered(false));
        }
    }

    /**
     * Builds the next manifest version against the head: a delta holding the entries whose JSON differs from what the
     * head's state holds (each entry records the fingerprint of its published JSON) and the entries withdrawn since,
     * or a checkpoint holding every entry when there is no head, the head's place in its chain is not known (published
     * by a version-1 writer), the recorded fingerprints do not describe the head's state (an interrupted publish, a
     * restored database), {@link #MAX_DELTAS} deltas lead back to the last checkpoint, or the deltas since it would
     * weigh more than a checkpoint.
     */
    public NextVersion nextVersion(Instant now) {
        Document headDoc = state.find(byId(HEAD_ID)).first();
        Head head = head(headDoc).orElse(null);
        List<ManifestEntry> all = new ArrayList<>();
        List<ManifestEntry> changed = new ArrayList<>();
        Map<String, String> fingerprints = new LinkedHashMap<>();
        long recorded = 0;
        long next = 0;
        long fullBytes = 0;
        for (Document d : backups.find().sort(Sorts.ascending("timestamp"))) {
            ManifestEntry e = fromDocument(d);
            byte[] json = json(e);
            String fp = fingerprint(json);
            String stored = d.getString(PUBLISHED);
            all.add(e);
            fullBytes += json.length;
            next += digestPart(e.cid(), fp);
            if (stored != null) {
                recorded += digestPart(e.cid(), stored);
            }
            if (!fp.equals(stored)) {
                changed.add(e);
                fingerprints.put(e.cid(), fp);
            }
        }
        List<String> removed = new ArrayList<>();
        if (headDoc != null && headDoc.get(WITHDRAWN) instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Document w && w.getString("cid") != null && removed.stream().noneMatch(w.getString("cid")::equals)) {
                    removed.add(w.getString("cid"));
                    recorded += digestPart(w.getString("cid"), w.getString("fingerprint"));
                }
            }
        }
        String stateDigest = digest(next);
        String reason = null;
        ManifestFile delta = null;
        if (head == null) {
            reason = "there is no previous version";
        } else if (head.chain() == null) {
            reason = "the previous version " + head.cid() + " was published without a chain record (a version-1 writer)";
        } else if (!head.chain().stateDigest().equals(digest(recorded))) {
            reason = "the fingerprints recorded on the entries do not describe the previous version " + head.cid()
                    + " (an interrupted publish, or a restored manifest database)";
        } else if (head.chain().depth() >= MAX_DELTAS) {
            reason = MAX_DELTAS + " deltas since the last checkpoint";
        } else {
            delta = ManifestFile.delta(changed, removed, head.cid(), head.chain().depth() + 1, ManifestFile.Statistics.of(all), now);
        }
        if (delta != null) {
            long bytes = size(delta);
            if (head.chain().deltaBytes() + bytes > fullBytes) {
                reason = "the deltas since the last checkpoint would weigh more than a checkpoint (" + (head.chain().deltaBytes() + bytes)
                        + " > " + fullBytes + " bytes)";
            } else {
                return new NextVersion(delta, new Chain(delta.depth(), head.chain().deltaBytes() + bytes, stateDigest), fingerprints, null, fullBytes);
            }
        }
        // the fingerprints that change are those of the entries a delta would carry: the rest already match
        ManifestFile checkpoint = ManifestFile.of(all, head == null ? null : head.cid(), now);
        return new NextVersion(checkpoint, new Chain(0, 0, stateDigest), fingerprints, reason, fullBytes);
    }

    private static byte[] json(ManifestEntry e) {
        try {
            return ManifestFile.entryJson(e);
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static long size(ManifestFile f) {
        try {
            return f.toJson().length;
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** An entry's fingerprint: sha256 of its JSON as a manifest file writes it, base64url, 128 bits. */
    static String fingerprint(byte[] json) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(json);
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 16));
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** One entry's share of a state digest (the digest is the sum of the shares, so it does not depend on order). */
    private static long digestPart(String cid, String fingerprint) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((cid + "\n" + fingerprint).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.nio.ByteBuffer.wrap(h).getLong();
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String digest(long sum) {
        return String.format("%016x", sum);
    }

    /** The versions the history lists, newest first (those without a time last). */
    public List<ManifestVersions.Version> versions() {
        List<ManifestVersions.Version> out = new ArrayList<>();
        for (Document d : history.find()) {
            out.add(new ManifestVersions.Version(d.getString("_id"), d.getString("previous"), instant(d.get("createdAt")), null,
                    d.getBoolean("checkpoint")));
        }
        out.sort(Comparator.comparing(ManifestVersions.Version::createdAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return out;
    }

    /** Lists a version in the history again (start-up recovery keeps it); its own time when known, else {@code now}. */
    public void relist(ManifestVersions.Version v, Instant now) {
        Instant at = v.createdAt() != null ? v.createdAt() : now;
        Document d = new Document("_id", v.cid()).append("previous", v.previous()).append("createdAt", Date.from(at))
                .append("relistedAt", Date.from(now));
        if (v.checkpoint() != null) {
            d.append("checkpoint", v.checkpoint());
        }
        history.replaceOne(byId(v.cid()), d, new ReplaceOptions().upsert(true));
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
