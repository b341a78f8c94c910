package org.ipfsbackup.camel;

import com.mongodb.client.MongoClient;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestRepository;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.recovery.OrphanPins;

/**
 * Start-up recovery after a crash (kill -9 mid-backup): pins named like ours that the manifest does not know and that
 * are older than the grace period are unpinned. They are not adopted: an upload interrupted before its manifest
 * entry was written lacks what the chain needs (its dump's oplog position), so it is not a backup to rely on.
 */
public class RecoveryBinding {
    private final ClusterClient cluster;
    private final MongoClient mongo;
    private final String database;
    private final String collection;
    private final String stateCollection;
    private final String historyCollection;
    private final OrphanPins orphans;

    public RecoveryBinding(ClusterClient cluster, MongoClient mongo, String database, String collection, String stateCollection,
                           String historyCollection, java.time.Duration grace, Clock clock) {
        this.cluster = cluster;
        this.mongo = mongo;
        this.database = database;
        this.collection = collection;
        this.stateCollection = stateCollection;
        this.historyCollection = historyCollection;
        this.orphans = new OrphanPins(grace, clock);
    }

    public List<OrphanAction> recoverOrphanPins() {
        Set<String> known = new HashSet<>();
        new ManifestRepository(mongo, database, collection, stateCollection).all().stream().map(ManifestEntry::cid).forEach(known::add);
        new ManifestRepository(mongo, database, collection, stateCollection).headManifestCid().ifPresent(known::add);
        for (Document d : mongo.getDatabase(database).getCollection(historyCollection).find()) {
            known.add(d.getString("_id"));
        }
        return orphans.resolve(cluster.allocations(), known, null, cluster::unpin);
    }
}
