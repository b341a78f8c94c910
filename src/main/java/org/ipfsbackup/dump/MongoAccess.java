package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.DumpLayout;
import org.ipfsbackup.mongo.Masking;
import org.ipfsbackup.mongo.MongoConnections;
import org.ipfsbackup.mongo.OplogPosition;

import com.mongodb.ClientSessionOptions;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientException;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
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
import org.bson.BSONException;
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

import java.io.IOException;
import java.nio.file.Path;
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

    /**
     * What the server told us before the dump.
     *
     * @param sizes    {@code sizeOnDisk} per database from {@code listDatabases} (0 where not reported)
     * @param ferretDb the server is FerretDB ({@code buildInfo} has {@code ferretdbVersion}): it evaluates every
     *                 filter but {@code _id} equality, and every sort, over the whole collection
     */
    record ServerInfo(String version, String replicaSet, List<String> databases, boolean hasOplog,
                      java.util.Map<String, Long> sizes, boolean ferretDb) {

        ServerInfo(String version, String replicaSet, List<String> databases, boolean hasOplog) {
            this(version, replicaSet, databases, hasOplog, java.util.Map.of(), false);
        }

        long size(String db) {
            return sizes.getOrDefault(db, 0L);
        }
    }

    private final MongoClient client;
    private final boolean ownsClient;
    private final ReadPreference readPreference;
    private ClientSession session;

    /** Uses {@code shared} if given (and leaves it open), else a client of its own for this dump. */
    private MongoAccess(DumpSettings settings, MongoClient shared) {
        this.readPreference = settings.driverReadPreference();
        this.ownsClient = shared == null;
        this.client = ownsClient ? ownClient(settings, readPreference) : shared;
    }

    /** What a dump does with an open {@link MongoAccess} before its deadline. */
    interface Dump {
        DumpResult into(MongoAccess mongo, Deadline deadline) throws IOException, DumpException;
    }

    /**
     * Runs one dump of {@code engine} into {@code outDir} (created; refused if not empty) with a deadline of
     * {@link DumpSettings#timeout()}: driver and BSON failures become a {@link DumpException} with credentials
     * masked, I/O failures one that names {@code outDir}.
     */
    static DumpResult dump(String engine, DumpSettings settings, MongoClient shared, Path outDir, Dump dump)
            throws DumpException {
        Deadline deadline = new Deadline(settings.timeout());
        DumpEngines.prepareOutDir(engine, outDir);
        try (MongoAccess mongo = new MongoAccess(settings, shared)) {
            return dump.into(mongo, deadline);
        } catch (MongoException | BSONException | IllegalStateException e) {
            throw new DumpException(engine, Masking.forUri(settings.mongoUri()).mask(e.getMessage()), null, null,
                    deadline.passed(), e);
        } catch (IOException e) {
            throw new DumpException(engine, "writing or reading back " + outDir + " failed: " + e, e);
        }
    }

    private static MongoClient ownClient(DumpSettings settings, ReadPreference rp) {
        ConnectionString cs = org.ipfsbackup.mongo.MongoConnections.connectionString(settings.mongoUri());
        // a backstop for a read that hangs: the dump's own deadline is checked as it goes
        long readTimeoutMs = Math.min(Integer.MAX_VALUE, Math.max(30_000, settings.timeout().toMillis()));
        MongoClientSettings.Builder b = org.ipfsbackup.mongo.MongoConnections.settings(settings.mongoUri()).readPreference(rp);
        if (cs.getApplicationName() == null) {
            b.applicationName("ipfs-backup");
        }
        if (cs.getSocketTimeout() == null) {
            b.applyToSocketSettings(s -> s.readTimeout(readTimeoutMs, TimeUnit.MILLISECONDS));
        }
        return MongoClients.create(b.build());
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
        java.util.Map<String, Long> sizes = new java.util.HashMap<>();
        for (BsonDocument d : client.listDatabases(BsonDocument.class)) {
            String name = d.getString("name").getValue();
            databases.add(name);
            BsonValue size = d.get("sizeOnDisk");
            sizes.put(name, size != null && size.isNumber() ? size.asNumber().longValue() : 0L);
        }
        boolean hasOplog = databases.contains(OPLOG_DB) && hasCollection(OPLOG_DB, OPLOG_COLLECTION);
        return new ServerInfo(version, replicaSet, List.copyOf(databases), hasOplog, java.util.Map.copyOf(sizes),
                build.containsKey("ferretdbVersion"));
    }

    private boolean hasCollection(String db, String coll) {
        for (String name : client.getDatabase(db).listCollectionNames().filter(new BsonDocument("name", new BsonString(coll)))) {
            if (name.equals(coll)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What both engines check before copying the oplog after {@code after}: the server has an oplog, reads are in one
     * causally consistent session, and the oldest entry is not newer than {@code after} (else the chain is broken).
     * That the entry at {@code after} itself is still there is checked on the copy's first entry
     * ({@link #requireEntryAt}), which costs nothing extra.
     */
    ServerInfo beginOplogDump(String engine, OplogPosition after) throws DumpException {
        ServerInfo info = probe();
        if (!info.hasOplog()) {
            throw new DumpException(engine, "the server has no local.oplog.rs (not a replica set member), so there is no oplog to dump");
        }
        startCausalSession(info);
        requireOldestReaches(engine, after);
        return info;
    }

    /** On a replica set, route every following read through one causally consistent session (if supported). */
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

    /**
     * The server's clock as an oplog position ({@code hello.localTime}, whole seconds, increment 0): every entry
     * written after this call has a {@code ts} at or after it on a server that stamps entries with its wall clock
     * (FerretDB). {@code null} if the server does not say.
     */
    OplogPosition serverClock() {
        BsonDocument hello = client.getDatabase("admin").runCommand(new BsonDocument("hello", new BsonInt32(1)), BsonDocument.class);
        BsonValue t = hello.get("localTime");
        return t != null && t.isDateTime() ? new OplogPosition(Math.floorDiv(t.asDateTime().getValue(), 1000L), 0) : null;
    }

    /**
     * The newest entry with {@code ts < before}, by one streaming read (no sort, one entry held), or {@code null}. A
     * batch of huge entries refused as too long for one reply (the driver's 48 MB limit) is read again from the start
     * in batches that always fit ({@link BatchSizes#afterOverflow}): the order is not assumed, so no resume point.
     */
    RawBsonDocument newestBefore(OplogPosition before) {
        BsonDocument filter = new BsonDocument("ts", new BsonDocument("$lt", before.toBsonTimestamp()));
        int batchSize = oplogBatchSize();
        while (true) {
            RawBsonDocument newest = null;
            OplogPosition newestTs = null;
            try (MongoCursor<RawBsonDocument> c = findRaw(oplogCollection(), filter).batchSize(batchSize).iterator()) {
                while (c.hasNext()) {
                    RawBsonDocument entry = c.next();
                    OplogPosition ts = DumpLayout.ts(entry);
                    if (newestTs == null || ts.compareTo(newestTs) > 0) {
                        newest = entry;
                        newestTs = ts;
                    }
                }
                return newest;
            } catch (com.mongodb.MongoInternalException e) {
                int refused = batchSize;
                batchSize = BatchSizes.afterOverflow(batchSize, e, maxDocumentSize()).orElseThrow(() -> e);
                LOG.warn("oplog: a batch of {} entries was too long for one reply ({}); reading it again in batches of {}",
                        refused, e.getMessage(), batchSize);
            }
        }
    }

    /**
     * Newest entry in the oplog (last in natural order), or {@code null} if it is empty. A {@code $natural: -1} sort:
     * cheap on MongoDB; FerretDB 1.24 reads, decodes and holds the whole oplog for any sort, so callers avoid it there.
     */
    OplogPosition newestOplog() {
        return oplogEdge(new BsonDocument("$natural", new BsonInt32(-1)));
    }

    /**
     * Oldest entry still in the oplog, or {@code null} if it is empty: the first in natural order, asked without a
     * sort (a capped collection returns natural order), which FerretDB turns into {@code ORDER BY record id LIMIT 1}
     * (an explicit {@code $natural: 1} sort would make it read the whole oplog).
     */
    OplogPosition oldestOplog() {
        return oplogEdge(null);
    }

    private OplogPosition oplogEdge(BsonDocument sort) {
        MongoCollection<BsonDocument> oplog = oplogCollection();
        BsonDocument projection = new BsonDocument("ts", new BsonInt32(1));
        FindIterable<BsonDocument> find = session == null ? oplog.find() : oplog.find(session);
        if (sort != null) {
            find = find.sort(sort);
        }
        BsonDocument doc = find.projection(projection).limit(1).first();
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
     * Oplog entries with {@code ts >= from} ({@code > from} unless {@code fromInclusive}; and {@code <= to} unless
     * {@code to} is null), in natural (= ts) order, exactly as stored, in batches of {@code batchSize} ({@link BatchSizes}). A bounded {@code ts} range: MongoDB 4.4+ starts an oplog scan with a {@code ts} lower bound
     * at that position by itself (what the {@code oplogReplay} flag asked for before; Java driver 5 no longer sends
     * it), so the cost is the entries returned. FerretDB 1.24 ignores {@code oplogReplay} and any {@code hint} (its
     * find marks them "ignored") and evaluates the range on every entry of the oplog, streaming: the whole oplog, once.
     */
    MongoCursor<RawBsonDocument> oplogEntries(OplogPosition from, boolean fromInclusive, OplogPosition to, int batchSize) {
        BsonDocument range = new BsonDocument(fromInclusive ? "$gte" : "$gt", from.toBsonTimestamp());
        if (to != null) {
            range.append("$lte", to.toBsonTimestamp());
        }
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

    /** The batch size for reading the oplog, by its average entry size ({@link BatchSizes}), at most {@link #OPLOG_BATCH}. */
    int oplogBatchSize() {
        return Math.min(OPLOG_BATCH, BatchSizes.forCollection(database(OPLOG_DB), OPLOG_COLLECTION));
    }

    /** Oplog entries per batch: large enough that a long window is not thousands of round trips. */
    static final int OPLOG_BATCH = 2000;

    /**
     * The overflow check (mongodump's, and the chain's): the oldest entry still in the oplog must not be newer than
     * {@code position}. Asked after a copy too: capped collections drop their oldest entries first, so if
     * {@code position} is still covered, nothing after it was dropped while the copy read. Cheap on every server
     * ({@link #oldestOplog()}).
     *
     * @throws OplogGapException (an incremental's chain is broken: a new full backup is needed)
     */
    void requireOldestReaches(String engine, OplogPosition position) throws OplogGapException {
        OplogPosition oldest = oldestOplog();
        if (oldest == null || oldest.compareTo(position) > 0) {
            throw new OplogGapException(engine, position, oldest);
        }
    }

    /** mongodump's overflow check for a full dump's window: {@link #requireOldestReaches} with its own message. */
    void requireNoOverflow(String engine, OplogPosition start) throws DumpException {
        OplogPosition oldest = oldestOplog();
        if (oldest == null || oldest.compareTo(start) > 0) {
            throw overflow(engine, start, oldest);
        }
    }

    static DumpException overflow(String engine, OplogPosition start, OplogPosition oldest) {
        return new DumpException(engine, "oplog overflow: entries written since the dump started (at " + start
                + ") were overwritten before they could be copied (oldest entry now " + oldest
                + "); a larger oplog or a shorter dump is needed");
    }

    /**
     * The first entry of a copy that started at {@code ts >= position} must be the entry at {@code position}: if the
     * oplog still reaches back that far but has no such entry, it was rolled back or the position comes from another
     * replica set.
     */
    static void requireEntryAt(String engine, OplogPosition position, OplogPosition first, OplogPosition oldest)
            throws OplogGapException {
        if (first == null || !first.equals(position)) {
            throw new OplogGapException(engine, position, oldest, "oplog gap: there is no entry at " + position
                    + " (the previous backup's end) in local.oplog.rs although older entries remain; it was rolled back"
                    + " or the previous backup came from another replica set; a new full backup is needed");
        }
    }

    /**
     * A session for one more thread, causally after everything read so far in this one: reads through it never see
     * an older state than the main session did, whichever member serves them. {@code null} without a main session.
     */
    ClientSession workerSession() {
        if (session == null) {
            return null;
        }
        ClientSession worker = client.startSession(ClientSessionOptions.builder().causallyConsistent(true).build());
        if (session.getClusterTime() != null) {
            worker.advanceClusterTime(session.getClusterTime());
        }
        if (session.getOperationTime() != null) {
            worker.advanceOperationTime(session.getOperationTime());
        }
        return worker;
    }

    FindIterable<RawBsonDocument> findRaw(ClientSession s, MongoCollection<?> coll, Bson filter) {
        MongoCollection<RawBsonDocument> raw = coll.withDocumentClass(RawBsonDocument.class);
        return s == null ? raw.find(filter) : raw.find(s, filter);
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
