package org.ipfsbackup.dump;

import com.mongodb.MongoException;
import com.mongodb.MongoInternalException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import org.bson.BSONException;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The dump written with the MongoDB Java driver: documents are streamed as {@link RawBsonDocument}s and their bytes
 * written exactly as the server sent them, one collection at a time, so memory does not grow with the data.
 * Views get their {@code .metadata.json} only and time-series collections their {@code system.buckets.*} data, as
 * with mongodump.
 */
public final class DriverDumpEngine implements DumpEngine {

    public static final String NAME = "driver";
    private static final Logger LOG = LoggerFactory.getLogger(DriverDumpEngine.class);

    private final DumpSettings settings;
    private final MongoClient sharedClient;

    /** Connects with {@link DumpSettings#mongoUri()} for each dump. */
    public DriverDumpEngine(DumpSettings settings) {
        this(settings, null);
    }

    /** Uses {@code client} (left open) instead of connecting itself; the read preference still comes from settings. */
    public DriverDumpEngine(DumpSettings settings, MongoClient client) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.sharedClient = client;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DumpResult dumpFull(Path outDir) throws DumpException {
        Deadline deadline = new Deadline(settings.timeout());
        DumpLayout.prepareOutDir(NAME, outDir);
        try (MongoAccess mongo = MongoAccess.open(settings, sharedClient)) {
            MongoAccess.ServerInfo info = mongo.probe();
            List<String> databases = settings.select(info.databases());
            boolean withOplog = settings.oplog() && info.hasOplog();
            mongo.startCausalSession(info);
            OplogPosition start = withOplog ? mongo.oplogCopyStart() : null;

            Counts counts = new Counts();
            for (String db : databases) {
                dumpDatabase(mongo, db, outDir, counts, deadline);
            }

            OplogWindow window = null;
            if (start != null) {
                OplogPosition end = mongo.newestOplog();
                mongo.requireNoOverflow(NAME, start);
                window = writeOplog(mongo, start, true, end, outDir.resolve(DumpLayout.OPLOG_FILE), true, deadline);
                mongo.requireNoOverflow(NAME, start);
                counts.bytes += window.bytes;
            }
            LOG.info("driver dump of {} database(s), {} collection(s), {} document(s) into {}", databases.size(),
                    counts.collections, counts.documents, outDir);
            return new DumpResult(NAME, databases, counts.collections, counts.documents, counts.bytes,
                    window == null ? null : window.first != null ? window.first : start,
                    window == null ? null : window.last != null ? window.last : start,
                    window == null ? 0 : window.count, info.version(), info.replicaSet());
        } catch (MongoException | BSONException | IllegalStateException e) {
            throw new DumpException(NAME, Secrets.mask(e.getMessage(), settings.mongoUri()), null, null, deadline.passed(), e);
        } catch (IOException e) {
            throw new DumpException(NAME, "writing " + outDir + " failed: " + e, e);
        }
    }

    @Override
    public DumpResult dumpOplog(OplogPosition after, Path outDir) throws DumpException {
        Objects.requireNonNull(after, "after");
        Deadline deadline = new Deadline(settings.timeout());
        DumpLayout.prepareOutDir(NAME, outDir);
        try (MongoAccess mongo = MongoAccess.open(settings, sharedClient)) {
            MongoAccess.ServerInfo info = mongo.beginOplogDump(NAME, after);
            OplogPosition end = mongo.newestOplog();
            Path file = outDir.resolve(DumpLayout.OPLOG_FILE);
            OplogWindow window = writeOplog(mongo, after, false, end, file, false, deadline);
            // entries overwritten while we read would leave a hole the read itself cannot notice
            mongo.requireOplogReaches(NAME, after);
            return new DumpResult(NAME, List.of(), 0, 0, window.bytes, window.first,
                    window.last != null ? window.last : after, window.count, info.version(), info.replicaSet());
        } catch (MongoException | BSONException | IllegalStateException e) {
            throw new DumpException(NAME, Secrets.mask(e.getMessage(), settings.mongoUri()), null, null, deadline.passed(), e);
        } catch (IOException e) {
            throw new DumpException(NAME, "writing " + outDir + " failed: " + e, e);
        }
    }

    private void dumpDatabase(MongoAccess mongo, String db, Path outDir, Counts counts, Deadline deadline)
            throws IOException, DumpException {
        MongoDatabase database = mongo.database(db);
        // collect the (small) collection descriptions first, so no listCollections cursor stays open during the dump
        List<BsonDocument> infos = new ArrayList<>();
        for (BsonDocument ci : mongo.listCollections(database)) {
            infos.add(ci);
        }
        Path dbDir = outDir.resolve(db);
        for (BsonDocument ci : infos) {
            String name = ci.getString("name").getValue();
            if (DumpLayout.skipSystemNamespace(db, name)) {
                continue;
            }
            deadline.check(NAME, "dumping " + db + "." + name);
            String type = ci.get("type") instanceof BsonString t ? t.getValue() : null;
            BsonValue opts = ci.get("options");
            BsonDocument options = opts != null && opts.isDocument() ? opts.asDocument() : new BsonDocument();
            boolean view = "view".equals(type);
            boolean timeseries = "timeseries".equals(type);

            Files.createDirectories(dbDir);
            MongoCollection<BsonDocument> coll = database.getCollection(name, BsonDocument.class);
            List<BsonDocument> indexes = new ArrayList<>();
            if (!view) {
                for (BsonDocument index : mongo.listIndexes(coll)) {
                    indexes.add(index);
                }
            }
            DumpLayout.writeMetadata(dbDir.resolve(DumpLayout.fileBase(name) + DumpLayout.METADATA), options, indexes,
                    DumpLayout.uuidHex(ci), name, type);
            counts.collections++;
            if (view) {
                continue;
            }
            String dataName = timeseries ? "system.buckets." + name : name;
            Path file = dbDir.resolve(DumpLayout.fileBase(dataName) + DumpLayout.BSON);
            copyCollection(mongo, database, dataName, file, counts, deadline);
        }
    }

    /**
     * Copies one collection into {@code file}, in batches bounded by size ({@link BatchSizes}). A reply the driver
     * refuses as too long loses the cursor's position, and a natural-order scan cannot be resumed, so the file is
     * written again from the start, once: in batches that always fit ({@link BatchSizes#afterOverflow}).
     */
    private static void copyCollection(MongoAccess mongo, MongoDatabase database, String name, Path file, Counts counts,
                                       Deadline deadline) throws IOException, DumpException {
        String ns = database.getName() + "." + name;
        MongoCollection<BsonDocument> data = database.getCollection(name, BsonDocument.class);
        int batchSize = BatchSizes.forCollection(database, name);
        while (true) {
            long n = 0;
            long bytes = 0;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
                 MongoCursor<RawBsonDocument> cursor = mongo.findRaw(data, new BsonDocument()).batchSize(batchSize).iterator()) {
                while (cursor.hasNext()) {
                    bytes += DumpLayout.write(out, cursor.next());
                    n++;
                    if ((n & 0x3FF) == 0) {
                        deadline.check(NAME, "dumping " + ns);
                    }
                }
                counts.bytes += bytes;
                counts.documents += n;
                return;
            } catch (MongoInternalException e) {
                // once, at a size that always fits: resuming by _id misses other-typed _ids ($gt) or lacks an index
                int refused = batchSize;
                batchSize = BatchSizes.afterOverflow(batchSize, e, mongo.maxDocumentSize()).orElseThrow(() -> e);
                LOG.warn("{}: a batch of {} documents was too long for one reply ({}) after {} documents; reading it again"
                        + " in batches of {}", ns, refused, e.getMessage(), n, batchSize);
                deadline.check(NAME, "dumping " + ns);
            }
        }
    }

    private static OplogWindow writeOplog(MongoAccess mongo, OplogPosition from, boolean inclusive, OplogPosition to,
                                          Path file, boolean validate, Deadline deadline) throws IOException, DumpException {
        OplogWindow w = new OplogWindow();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            if (to == null || to.compareTo(from) < 0 || (!inclusive && to.equals(from))) {
                return w;
            }
            int batchSize = mongo.oplogBatchSize();
            while (true) {
                // after a refused reply, go on after the last entry written: ts orders the oplog
                OplogPosition after = w.last != null ? w.last : from;
                try (MongoCursor<RawBsonDocument> cursor = mongo.oplogEntries(after, w.last == null && inclusive, to, batchSize)) {
                    while (cursor.hasNext()) {
                        RawBsonDocument entry = cursor.next();
                        if (validate) {
                            String problem = DumpLayout.oplogEntryProblem(entry);
                            if (problem != null) {
                                throw new DumpException(NAME, problem);
                            }
                        }
                        OplogPosition ts = DumpLayout.ts(entry);
                        if (w.first == null) {
                            w.first = ts;
                        }
                        w.last = ts;
                        w.bytes += DumpLayout.write(out, entry);
                        w.count++;
                        if ((w.count & 0x3FF) == 0) {
                            deadline.check(NAME, "copying the oplog");
                        }
                    }
                    return w;
                } catch (MongoInternalException e) {
                    int refused = batchSize;
                    // every later query scans the oplog on FerretDB: go on in batches that always fit, refused no more
                    batchSize = BatchSizes.afterOverflow(batchSize, e, mongo.maxDocumentSize()).orElseThrow(() -> e);
                    LOG.warn("oplog: a batch of {} entries was too long for one reply ({}); going on after {} in batches of {}",
                            refused, e.getMessage(), w.last != null ? w.last : from, batchSize);
                    deadline.check(NAME, "copying the oplog");
                }
            }
        }
    }

    private static final class Counts {
        int collections;
        long documents;
        long bytes;
    }

    private static final class OplogWindow {
        OplogPosition first;
        OplogPosition last;
        long count;
        long bytes;
    }
}
