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

    public ManifestRepository(MongoClient client, String database, String collection, String stateCollection) {
        var db = client.getDatabase(database).withReadPreference(com.mongodb.ReadPreference.primaryPreferred());
        this.backups = db.getCollection(collection);
        this.state = db.getCollection(stateCollection);
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
}
