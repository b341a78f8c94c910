package org.ipfsbackup.dump;


import org.ipfsbackup.mongo.DumpLayout;
import org.ipfsbackup.mongo.OplogPosition;

import com.mongodb.MongoInternalException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
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
 * written exactly as the server sent them, {@value #PARALLEL_COLLECTIONS} collections at a time (as mongodump), so
 * memory does not grow with the data.
 *
 * <p>The oplog costs two cheap look-ups and one {@code ts} range read: the window's start before the collections
 * (the newest entry, or an open transaction's start), then everything from it on, checked to begin with it (no
 * overflow), then the oldest entry (still not newer than the start). The read is bounded below and flagged
 * {@code oplogReplay}, so MongoDB reads only the entries it returns; FerretDB 1.24 evaluates it on the whole oplog
 * (it pushes down no filter but {@code _id} equality), and its newest-entry look-up reads the whole oplog too (it
 * buffers every sorted query), so there a full dump costs two whole-oplog reads, mongodump --oplog five.
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
        return MongoAccess.dump(NAME, settings, sharedClient, outDir, (mongo, deadline) -> {
            MongoAccess.ServerInfo info = mongo.probe();
            List<String> databases = settings.select(info.databases());
            boolean withOplog = settings.oplog() && info.hasOplog();
            mongo.startCausalSession(info);
            // where the window starts, as mongodump takes it: before any collection is read. FerretDB answers the
            // newest-entry query by reading and sorting the whole oplog, but stamps entries with its clock: there the
            // window is everything from its clock at this moment on (the start entry is found afterwards)
            OplogPosition clock = withOplog && info.ferretDb() ? mongo.serverClock() : null;
            OplogPosition start = withOplog && clock == null ? mongo.oplogCopyStart() : null;

            Counts counts = new Counts();
            List<CollectionData> data = new ArrayList<>();
            for (String db : databases) {
                describeDatabase(mongo, db, outDir, counts, data, deadline);
            }
            counts.progress = org.ipfsbackup.observe.ProgressReporter.start("dump: documents",
                    org.ipfsbackup.observe.ProgressReporter.Unit.COUNT, estimatedDocuments(data))
                    .detail(() -> ", " + counts.collectionsDone.get() + " of " + data.size() + " collections");
            try {
                dumpInParallel(mongo, data, counts, deadline);
            } finally {
                counts.progress.finish();
            }

            OplogWindow window = null;
            if (clock != null) {
                window = ferretDbWindow(mongo, clock, outDir.resolve(DumpLayout.OPLOG_FILE), deadline);
                counts.bytes.addAndGet(window.bytes);
            } else if (start != null) {
                // one ts range read from the start on (no end bound: entries written while it reads only move the
                // consistent point later); its first entry must be the start itself, else the oplog overflowed
                window = writeOplog(mongo, start, true, outDir.resolve(DumpLayout.OPLOG_FILE), true, deadline);
                if (window.first == null || !window.first.equals(start)) {
                    throw MongoAccess.overflow(NAME, start, mongo.oldestOplog());
                }
                mongo.requireNoOverflow(NAME, start);
                counts.bytes.addAndGet(window.bytes);
            }
            LOG.info("driver dump of {} database(s), {} collection(s), {} document(s) into {}", databases.size(),
                    counts.collections, counts.documents, outDir);
            return new DumpResult(NAME, databases, counts.collections, counts.documents.get(), counts.bytes.get(),
                    window == null ? null : window.first,
                    window == null ? null : window.last,
                    window == null ? 0 : window.count, info.version(), info.replicaSet(), counts.digests());
        });
    }

    @Override
    public DumpResult dumpOplog(OplogPosition after, Path outDir) throws DumpException {
        Objects.requireNonNull(after, "after");
        return MongoAccess.dump(NAME, settings, sharedClient, outDir, (mongo, deadline) -> {
            MongoAccess.ServerInfo info = mongo.beginOplogDump(NAME, after);
            Path file = outDir.resolve(DumpLayout.OPLOG_FILE);
            // one ts range read from the entry at `after` on (it proves the chain continues and is left out), up to the
            // newest entry when the read gets there
            OplogWindow window = writeOplog(mongo, after, false, file, false, deadline);
            MongoAccess.requireEntryAt(NAME, after, window.start, null);
            // entries dropped while we read would leave a hole the read itself cannot notice
            mongo.requireOldestReaches(NAME, after);
            return new DumpResult(NAME, List.of(), 0, 0, window.bytes, window.first,
                    window.last != null ? window.last : after, window.count, info.version(), info.replicaSet());
        });
    }

    /**
     * The window of a full dump on FerretDB: one streaming read of the entries from {@code clock} (the server's clock
     * before the collections were read) on. When nothing was written since, the window is the newest older entry alone
     * (a second streaming read finds it), so the next incremental has an entry to continue from, as with mongodump.
     * MongoDB never comes here: it has the cheap newest-entry look-up of {@link MongoAccess#oplogCopyStart}.
     */
    private static OplogWindow ferretDbWindow(MongoAccess mongo, OplogPosition clock, Path file, Deadline deadline)
            throws IOException, DumpException {
        OplogWindow window = writeOplog(mongo, clock, true, file, true, deadline);
        if (window.first != null) {
            return window;
        }
        RawBsonDocument anchor = mongo.newestBefore(clock);
        if (anchor == null) {
            return window;
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            window.bytes = DumpLayout.write(out, anchor);
        }
        window.first = window.last = window.start = DumpLayout.ts(anchor);
        window.count = 1;
        return window;
    }

    /**
     * The documents the collections hold by their metadata ({@code count} without a query, no scan), for the progress
     * line's total; -1 (unknown) when a server does not answer it.
     */
    private static long estimatedDocuments(List<CollectionData> data) {
        long total = 0;
        for (CollectionData c : data) {
            try {
                total += c.collection().estimatedDocumentCount();
            } catch (com.mongodb.MongoException e) {
                LOG.debug("no document count for {} ({}): progress without a total", c.label(), e.toString());
                return -1;
            }
        }
        return total;
    }

    /** Parallel collection reads, as mongodump's {@code --numParallelCollections} (default 4). */
    static final int PARALLEL_COLLECTIONS = 4;

    /** One collection's data to copy: its {@code .bson} file and the collection it comes from. */
    private record CollectionData(String label, MongoDatabase database, MongoCollection<BsonDocument> collection, Path file) {
    }

    /**
     * Writes the {@code .metadata.json} of each collection of {@code db} and lists the data to copy (views have
     * none). The (small) descriptions are collected first, so no listCollections cursor stays open during the dump.
     */
    private void describeDatabase(MongoAccess mongo, String db, Path outDir, Counts counts, List<CollectionData> data,
                                  Deadline deadline) throws IOException, DumpException {
        MongoDatabase database = mongo.database(db);
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
            deadline.check(NAME, "describing " + db + "." + name);
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
            data.add(new CollectionData(db + "." + dataName, database, database.getCollection(dataName, BsonDocument.class),
                    dbDir.resolve(DumpLayout.fileBase(dataName) + DumpLayout.BSON)));
        }
    }

    /**
     * Copies the collections, {@value #PARALLEL_COLLECTIONS} at a time, largest first is not known up front so in
     * listing order; each worker reads in a session of its own that is causally after the main one. The first
     * failure stops the others (they check between batches) and is thrown.
     */
    private void dumpInParallel(MongoAccess mongo, List<CollectionData> data, Counts counts, Deadline deadline)
            throws IOException, DumpException {
        if (data.isEmpty()) {
            return;
        }
        int threads = Math.min(PARALLEL_COLLECTIONS, data.size());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "driver-dump");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ConcurrentLinkedQueue<CollectionData> queue = new java.util.concurrent.ConcurrentLinkedQueue<>(data);
        List<java.util.concurrent.Future<Void>> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            workers.add(pool.submit(() -> {
                com.mongodb.client.ClientSession session = mongo.workerSession();
                try {
                    CollectionData next;
                    while (!stop.get() && (next = queue.poll()) != null) {
                        dumpCollection(mongo, session, next, counts, deadline, stop);
                    }
                } catch (Exception e) {
                    stop.set(true);
                    throw e;
                } finally {
                    if (session != null) {
                        session.close();
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        Throwable failure = null;
        for (java.util.concurrent.Future<Void> w : workers) {
            try {
                w.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop.set(true);
                pool.shutdownNow();
                throw new DumpException(NAME, "interrupted while dumping", e);
            }
        }
        if (failure instanceof DumpException de) {
            throw de;
        } else if (failure instanceof IOException io) {
            throw io;
        } else if (failure instanceof RuntimeException re) {
            throw re;
        } else if (failure != null) {
            throw new DumpException(NAME, failure.toString(), failure);
        }
    }

    /**
     * One collection's documents, streamed into its {@code .bson} file exactly as the server sent them, in batches
     * bounded by size ({@link BatchSizes}). A reply the driver refuses as too long loses the cursor's position, and a
     * natural-order scan cannot be resumed, so the file is written again from the start, once: in batches that always
     * fit ({@link BatchSizes#afterOverflow}).
     */
    private static void dumpCollection(MongoAccess mongo, com.mongodb.client.ClientSession session, CollectionData c,
                                       Counts counts, Deadline deadline, java.util.concurrent.atomic.AtomicBoolean stop)
            throws IOException, DumpException {
        MongoCollection<BsonDocument> data = c.collection();
        int batchSize = BatchSizes.forCollection(c.database(), data.getNamespace().getCollectionName());
        while (true) {
            long n = 0;
            long bytes = 0;
            long reported = 0;
            // computed while the documents stream past, from the bytes written: no second read of the source
            org.ipfsbackup.drill.ContentDigest digest = new org.ipfsbackup.drill.ContentDigest();
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(c.file()), 1 << 16);
                 MongoCursor<RawBsonDocument> cursor = mongo.findRaw(session, data, new BsonDocument()).batchSize(batchSize).iterator()) {
                while (cursor.hasNext()) {
                    RawBsonDocument doc = cursor.next();
                    bytes += DumpLayout.write(out, doc);
                    digest.add(doc);
                    n++;
                    if ((n & 0x3FF) == 0) {
                        deadline.check(NAME, "dumping " + c.label());
                        if (stop.get()) {
                            return;
                        }
                        counts.progress.update(counts.seen.addAndGet(n - reported));
                        reported = n;
                    }
                }
                counts.bytes.addAndGet(bytes);
                counts.documents.addAndGet(n);
                counts.collectionsDone.incrementAndGet();
                counts.progress.update(counts.seen.addAndGet(n - reported));
                counts.digests.add(digest.of(c.label()));
                return;
            } catch (MongoInternalException e) {
                // once, at a size that always fits: resuming by _id misses other-typed _ids ($gt) or lacks an index
                int refused = batchSize;
                counts.seen.addAndGet(-reported); // read again from the start
                batchSize = BatchSizes.afterOverflow(batchSize, e, mongo.maxDocumentSize()).orElseThrow(() -> e);
                LOG.warn("{}: a batch of {} documents was too long for one reply ({}) after {} documents; reading it again"
                        + " in batches of {}", c.label(), refused, e.getMessage(), n, batchSize);
                deadline.check(NAME, "dumping " + c.label());
            }
        }
    }

    /**
     * Copies the entries from {@code from} on into {@code file}: with {@code includeFrom} all of them (a full dump's
     * window, like mongodump's), else all but the one at {@code from} (an incremental's). {@link OplogWindow#start}
     * is the first entry read either way.
     */
    private static OplogWindow writeOplog(MongoAccess mongo, OplogPosition from, boolean includeFrom, Path file,
                                          boolean validate, Deadline deadline) throws IOException, DumpException {
        OplogWindow w = new OplogWindow();
        int batchSize = mongo.oplogBatchSize();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            while (true) {
                // after a reply refused as too long, go on after the last entry written: ts orders the oplog
                // (w.start set, w.last not: only the entry at `from`, left out, was read)
                OplogPosition after = w.last != null ? w.last : from;
                try (MongoCursor<RawBsonDocument> cursor = mongo.oplogEntries(after, w.start == null, null, batchSize)) {
                    while (cursor.hasNext()) {
                        RawBsonDocument entry = cursor.next();
                        OplogPosition ts = DumpLayout.ts(entry);
                        if (w.start == null) {
                            w.start = ts;
                            if (!includeFrom && ts.equals(from)) {
                                continue;
                            }
                        }
                        if (validate) {
                            String problem = DumpLayout.oplogEntryProblem(entry);
                            if (problem != null) {
                                throw new DumpException(NAME, problem);
                            }
                        }
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
        final java.util.concurrent.atomic.AtomicLong documents = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        /** For the progress line: documents read so far (also of collections not finished) and collections done. */
        final java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicInteger collectionsDone = new java.util.concurrent.atomic.AtomicInteger();
        org.ipfsbackup.observe.ProgressReporter progress;
        final java.util.concurrent.ConcurrentLinkedQueue<org.ipfsbackup.drill.CollectionDigest> digests =
                new java.util.concurrent.ConcurrentLinkedQueue<>();

        List<org.ipfsbackup.drill.CollectionDigest> digests() {
            List<org.ipfsbackup.drill.CollectionDigest> l = new ArrayList<>(digests);
            l.sort(java.util.Comparator.comparing(org.ipfsbackup.drill.CollectionDigest::namespace));
            return l;
        }
    }

    private static final class OplogWindow {
        OplogPosition start;
        OplogPosition first;
        OplogPosition last;
        long count;
        long bytes;
    }
}
