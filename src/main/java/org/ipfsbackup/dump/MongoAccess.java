package org.ipfsbackup.dump;

import com.mongodb.ClientSessionOptions;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientException;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.ReadPreference;
import com.mongodb.client.ClientSession;
import com.mongodb.client.FindIterable;
import com.mongodb.client.ListCollectionsIterable;
import com.mongodb.client.ListIndexesIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.connection.ServerDescription;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The driver-side work both engines share: server facts ({@code buildInfo}, {@code hello}/{@code isMaster},
 * {@code listDatabases}), and reading {@code local.oplog.rs}. Reads use the configured read preference; on a replica
 * set they run in one causally consistent session, so a later read never sees an older state than an earlier one
 * even when the driver picks another secondary.
 */
final class MongoAccess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MongoAccess.class);
    static final String OPLOG_DB = "local";
    static final String OPLOG_COLLECTION = "oplog.rs";

    /** What the server told us before the dump. */
    record ServerInfo(String version, String replicaSet, List<String> databases, boolean hasOplog) {
    }

    private final MongoClient client;
    private final boolean ownsClient;
    private final ReadPreference readPreference;
    private ClientSession session;

    private MongoAccess(MongoClient client, boolean ownsClient, ReadPreference readPreference) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.readPreference = readPreference;
    }

    /** Uses {@code shared} if given (and leaves it open), else a client of its own for this dump. */
    static MongoAccess open(DumpSettings settings, MongoClient shared) {
        ReadPreference rp = settings.driverReadPreference();
        if (shared != null) {
            return new MongoAccess(shared, false, rp);
        }
        ConnectionString cs = org.ipfsbackup.config.MongoConnections.connectionString(settings.mongoUri());
        // a backstop for a read that hangs: the dump's own deadline is checked as it goes
        long readTimeoutMs = Math.min(Integer.MAX_VALUE, Math.max(30_000, settings.timeout().toMillis()));
        MongoClientSettings.Builder b = org.ipfsbackup.config.MongoConnections.settings(settings.mongoUri()).readPreference(rp);
        if (cs.getApplicationName() == null) {
            b.applicationName("ipfs-backup");
        }
        if (cs.getSocketTimeout() == null) {
            b.applyToSocketSettings(s -> s.readTimeout(readTimeoutMs, TimeUnit.MILLISECONDS));
        }
        return new MongoAccess(MongoClients.create(b.build()), true, rp);
    }

    ServerInfo probe() {
        MongoDatabase admin = client.getDatabase("admin");
        BsonDocument build = admin.runCommand(new BsonDocument("buildInfo", new BsonInt32(1)), ReadPreference.primaryPreferred(),
                BsonDocument.class);
        String version = build.containsKey("version") ? build.get("version").asString().getValue() : "unknown";

        BsonDocument hello;
        try {
            hello = admin.runCommand(new BsonDocument("hello", new BsonInt32(1)), BsonDocument.class);
        } catch (MongoCommandException e) {
            // servers before 4.4.2 (and some look-alikes) only know the legacy name
            hello = admin.runCommand(new BsonDocument("isMaster", new BsonInt32(1)), BsonDocument.class);
        }
        BsonValue setName = hello.get("setName");
        String replicaSet = setName != null && setName.isString() ? setName.asString().getValue() : null;

        List<String> databases = new ArrayList<>();
        for (BsonDocument d : client.listDatabases(BsonDocument.class).nameOnly(true)) {
            databases.add(d.getString("name").getValue());
        }
        boolean hasOplog = databases.contains(OPLOG_DB) && hasCollection(OPLOG_DB, OPLOG_COLLECTION);
        return new ServerInfo(version, replicaSet, List.copyOf(databases), hasOplog);
    }

    private boolean hasCollection(String db, String coll) {
        for (String name : client.getDatabase(db).listCollectionNames().filter(new BsonDocument("name", new BsonString(coll)))) {
            if (name.equals(coll)) {
                return true;
            }
        }
        return false;
    }

    /** On a replica set, route every following read through one causally consistent session (if supported). */
    /**
     * What both engines check before copying the oplog after {@code after}: the server has an oplog, reads are in one
     * causally consistent session, and the oplog still reaches back to {@code after} (else the chain is broken).
     */
    ServerInfo beginOplogDump(String engine, OplogPosition after) throws DumpException {
        ServerInfo info = probe();
        if (!info.hasOplog()) {
            throw new DumpException(engine, "the server has no local.oplog.rs (not a replica set member), so there is no oplog to dump");
        }
        startCausalSession(info);
        requireOplogReaches(engine, after);
        return info;
    }

    void startCausalSession(ServerInfo info) {
        if (info.replicaSet() == null || session != null) {
            return;
        }
        try {
            session = client.startSession(ClientSessionOptions.builder().causallyConsistent(true).build());
        } catch (MongoClientException e) {
            LOG.warn("server does not support sessions ({}); reads are not causally consistent", e.getMessage());
        }
    }

    MongoDatabase database(String name) {
        return client.getDatabase(name).withReadPreference(readPreference);
    }

    ListCollectionsIterable<BsonDocument> listCollections(MongoDatabase db) {
        return session == null ? db.listCollections(BsonDocument.class) : db.listCollections(session, BsonDocument.class);
    }

    ListIndexesIterable<BsonDocument> listIndexes(MongoCollection<?> coll) {
        return session == null ? coll.listIndexes(BsonDocument.class) : coll.listIndexes(session, BsonDocument.class);
    }

    FindIterable<RawBsonDocument> findRaw(MongoCollection<?> coll, Bson filter) {
        MongoCollection<RawBsonDocument> raw = coll.withDocumentClass(RawBsonDocument.class);
        return session == null ? raw.find(filter) : raw.find(session, filter);
    }

    MongoCollection<BsonDocument> oplogCollection() {
        return database(OPLOG_DB).getCollection(OPLOG_COLLECTION, BsonDocument.class);
    }

    /** Newest entry in the oplog (last in natural order), or {@code null} if it is empty. */
    OplogPosition newestOplog() {
        return oplogEdge(-1);
    }

    /** Oldest entry still in the oplog, or {@code null} if it is empty. */
    OplogPosition oldestOplog() {
        return oplogEdge(1);
    }

    private OplogPosition oplogEdge(int direction) {
        MongoCollection<BsonDocument> oplog = oplogCollection();
        BsonDocument sort = new BsonDocument("$natural", new BsonInt32(direction));
        BsonDocument projection = new BsonDocument("ts", new BsonInt32(1));
        FindIterable<BsonDocument> find = session == null ? oplog.find() : oplog.find(session);
        BsonDocument doc = find.sort(sort).projection(projection).limit(1).first();
        return doc == null ? null : DumpLayout.ts(doc);
    }

    /**
     * Where the oplog window of a full dump has to start, as mongodump computes it: the start of the oldest
     * transaction still open (prepared or in progress) if any, else the newest entry. {@code null} if the oplog is
     * empty.
     */
    OplogPosition oplogCopyStart() {
        MongoCollection<BsonDocument> txns = database("config").getCollection("transactions", BsonDocument.class);
        BsonDocument filter = new BsonDocument("state", new BsonDocument("$in",
                new BsonArray(List.of(new BsonString("prepared"), new BsonString("inProgress")))));
        FindIterable<BsonDocument> find = session == null ? txns.find(filter) : txns.find(session, filter);
        BsonDocument open = find.sort(new BsonDocument("startOpTime", new BsonInt32(1))).limit(1).first();
        if (open != null) {
            BsonValue start = open.get("startOpTime");
            if (start != null && start.isDocument() && start.asDocument().get("ts") instanceof BsonTimestamp ts) {
                return OplogPosition.of(ts);
            }
        }
        return newestOplog();
    }

    /**
     * Oplog entries with {@code ts} in the range, in natural (= ts) order, exactly as stored, in batches of
     * {@code batchSize} ({@link BatchSizes}).
     */
    MongoCursor<RawBsonDocument> oplogEntries(OplogPosition from, boolean fromInclusive, OplogPosition to, int batchSize) {
        BsonDocument range = new BsonDocument(fromInclusive ? "$gte" : "$gt", from.toBsonTimestamp())
                .append("$lte", to.toBsonTimestamp());
        return findRaw(oplogCollection(), new BsonDocument("ts", range)).batchSize(batchSize).iterator();
    }

    /**
     * The largest document the server accepts ({@code maxBsonObjectSize} of its hello, as the driver recorded it),
     * {@link BatchSizes#DEFAULT_MAX_DOCUMENT_SIZE} before the driver knows.
     */
    int maxDocumentSize() {
        int max = 0;
        for (ServerDescription d : client.getClusterDescription().getServerDescriptions()) {
            if (d.isOk()) {
                max = Math.max(max, d.getMaxDocumentSize());
            }
        }
        return max > 0 ? max : BatchSizes.DEFAULT_MAX_DOCUMENT_SIZE;
    }

    /** The batch size for reading the oplog, by its average entry size. */
    int oplogBatchSize() {
        return BatchSizes.forCollection(database(OPLOG_DB), OPLOG_COLLECTION);
    }

    /** mongodump's overflow check: the first entry of a full dump's oplog window must still be in the oplog. */
    void requireNoOverflow(String engine, OplogPosition start) throws DumpException {
        OplogPosition oldest = oldestOplog();
        if (oldest == null || oldest.compareTo(start) > 0) {
            throw new DumpException(engine, "oplog overflow: entries written since the dump started (at " + start
                    + ") were overwritten before they could be copied (oldest entry now " + oldest
                    + "); a larger oplog or a shorter dump is needed");
        }
    }

    /**
     * The continuity check of an incremental: the oldest entry still in the oplog must not be newer than
     * {@code after}, and the entry at {@code after} itself must still be there (if it is not, it was rolled back or
     * the previous backup came from another replica set).
     */
    void requireOplogReaches(String engine, OplogPosition after) throws OplogGapException {
        OplogPosition oldest = oldestOplog();
        if (oldest == null || oldest.compareTo(after) > 0) {
            throw new OplogGapException(engine, after, oldest);
        }
        MongoCollection<BsonDocument> oplog = oplogCollection();
        BsonDocument at = new BsonDocument("ts", after.toBsonTimestamp());
        BsonDocument projection = new BsonDocument("ts", new BsonInt32(1));
        FindIterable<BsonDocument> find = session == null ? oplog.find(at) : oplog.find(session, at);
        if (find.projection(projection).limit(1).first() == null) {
            throw new OplogGapException(engine, after, oldest, "oplog gap: there is no entry at " + after
                    + " (the previous backup's end) in local.oplog.rs although older entries remain; it was rolled back"
                    + " or the previous backup came from another replica set; a new full backup is needed");
        }
    }

    @Override
    public void close() {
        if (session != null) {
            try {
                session.close();
            } catch (RuntimeException e) {
                LOG.debug("closing session failed", e);
            }
        }
        if (ownsClient) {
            client.close();
        }
    }
}
