package org.ipfsbackup.manifest;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.Document;

/** Reads the manifest kept in MongoDB (the routes write it with camel-mongodb; the recovery commands read it here). */
public class ManifestRepository {
    private final MongoCollection<Document> backups;
    private final MongoCollection<Document> state;
    private final com.mongodb.client.MongoDatabase stateDatabase;

    public ManifestRepository(MongoClient client, String database, String collection, String stateCollection) {
        var db = client.getDatabase(database).withReadPreference(com.mongodb.ReadPreference.primaryPreferred());
        this.backups = db.getCollection(collection);
        this.state = db.getCollection(stateCollection);
        this.stateDatabase = db;
    }

    public List<ManifestEntry> all() {
        List<ManifestEntry> out = new ArrayList<>();
        for (Document d : backups.find().sort(Sorts.ascending("timestamp"))) {
            out.add(ManifestEntry.fromDocument(d));
        }
        return out;
    }

    public Optional<ManifestEntry> find(String cid) {
        Document d = backups.find(Filters.eq("_id", cid)).first();
        return Optional.ofNullable(d).map(ManifestEntry::fromDocument);
    }

    /** CID of the newest manifest published to IPFS, if any. */
    public Optional<String> headManifestCid() {
        Document d = state.find(Filters.eq("_id", "head")).first();
        return Optional.ofNullable(d).map(x -> x.getString("cid"));
    }

    /**
     * Removes the entry of a backup that failed after its entry was sent to MongoDB but before the write was known
     * to have succeeded (the connection dropped mid-insert). Majority write concern: when this returns, no entry
     * claiming the backup is left. Throws when MongoDB cannot be reached.
     *
     * @return true when an entry was there and was removed
     */
    public boolean withdraw(String cid) {
        return backups.withWriteConcern(com.mongodb.WriteConcern.MAJORITY).deleteOne(Filters.eq("_id", cid)).getDeletedCount() > 0;
    }

    /** Inserts an entry (start-up recovery's adoption); majority write concern; a duplicate CID throws. */
    public void insert(ManifestEntry e) {
        backups.withWriteConcern(com.mongodb.WriteConcern.MAJORITY).insertOne(e.toDocument());
    }

    // ---- delete and failures (the delete/cancel/status commands): the manifest reads and writes they make ----

    /** The id, in the state collection, of the document holding the last failure of a backup type. */
    static String failureId(String type) {
        return "lastFailure-" + type;
    }

    /**
     * Marks a backup deleted (status {@code deleted}, {@code deletedAt}, {@code deleteReason}); the entry stays, and the
     * next manifest publish carries it as deleted. Majority write concern.
     *
     * @return false when no entry has that CID
     */
    public boolean markDeleted(String cid, java.time.Instant at, String reason) {
        return backups.withWriteConcern(com.mongodb.WriteConcern.MAJORITY).updateOne(Filters.eq("_id", cid),
                com.mongodb.client.model.Updates.combine(com.mongodb.client.model.Updates.set("status", ManifestEntry.DELETED),
                        com.mongodb.client.model.Updates.set("deletedAt", java.util.Date.from(at)),
                        com.mongodb.client.model.Updates.set("deleteReason", reason))).getMatchedCount() > 0;
    }

    /** Whether {@code cid} is a published manifest version: the head, or one the history collection lists. */
    public boolean isManifestVersion(String cid, String historyCollection) {
        if (cid.equals(headManifestCid().orElse(null))) {
            return true;
        }
        return stateDatabase.getCollection(historyCollection).find(Filters.eq("_id", cid)).first() != null;
    }

    /** Records the last failure of a backup type (replacing the one before): when, what failed, and whether it was cancelled. */
    public void recordFailure(String type, java.time.Instant at, String error, boolean cancelled) {
        Document d = new Document("_id", failureId(type)).append("type", type).append("at", java.util.Date.from(at))
                .append("error", error).append("cancelled", cancelled);
        state.withWriteConcern(com.mongodb.WriteConcern.MAJORITY).replaceOne(Filters.eq("_id", failureId(type)), d,
                new com.mongodb.client.model.ReplaceOptions().upsert(true));
    }

    /** The last failure recorded per backup type ({@code full}, {@code incremental}): {@code at}, {@code error}, {@code cancelled}. */
    public java.util.Map<String, Document> lastFailures() {
        java.util.Map<String, Document> out = new java.util.LinkedHashMap<>();
        for (String type : List.of("full", "incremental")) {
            Document d = state.find(Filters.eq("_id", failureId(type))).first();
            if (d != null) {
                out.put(type, d);
            }
        }
        return out;
    }
}
