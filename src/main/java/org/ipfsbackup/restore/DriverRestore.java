package org.ipfsbackup.restore;

import org.ipfsbackup.mongo.DumpLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.InsertManyOptions;

/**
 * Restores a mongodump directory through the Java driver, without mongorestore.
 *
 * <p>Per dumped collection ({@code <db>/<coll>.bson}, in name order): create the collection with the options
 * from its metadata.json, insert the documents exactly as stored (raw BSON, batches of at most
 * {@value #BATCH_DOCUMENTS} documents or {@value #BATCH_BYTES} bytes, ordered, document validation bypassed
 * because the data was valid when it was dumped), then create the metadata's indexes except {@code _id_},
 * passing each spec through as dumped (name, key, unique, sparse, partialFilterExpression, expireAfterSeconds,
 * collation, weights...) minus {@code v} and {@code ns}. Views (metadata of type {@code view}) are created after
 * all collections.
 *
 * <p>Before anything is written the whole plan is checked: metadata parses, database names are valid, and no
 * target collection already holds documents (nor does a target view exist) unless {@link RestoreOptions#drop()};
 * otherwise a {@link RestoreException} such as "target collection db.c is not empty; use --drop" is thrown.
 * With drop, each target namespace is dropped just before it is restored. An existing empty collection is
 * reused as it is (its options are not changed).
 *
 * <p>Not restored, and listed in {@link RestoreResult#skipped()}: {@code system.*} collections other than
 * {@code system.js} (users, roles, profile, ...: they need server-side handling), time-series collections, and
 * metadata-only entries that are not views. {@code oplog.bson} is not replayed here; its presence is reported.
 * Collection UUIDs are not preserved (that needs applyOps).
 */
public final class DriverRestore {

    public static final int BATCH_DOCUMENTS = 1000;
    public static final int BATCH_BYTES = 8 * 1024 * 1024;

    /** Collection options that current servers reject and that carry no meaning any more. */
    private static final Set<String> OBSOLETE_OPTIONS = Set.of("autoIndexId", "flags");
    /** Index spec fields not passed to createIndexes. */
    private static final Set<String> DROPPED_INDEX_FIELDS = Set.of("v", "ns");

    /**
     * Collections inserted at the same time by default: 4, as {@code mongorestore --numParallelCollections}. The
     * inserts are the only part that runs in parallel: every collection is dropped/created before the first insert and
     * the indexes are created one collection at a time after the last one, with no insert running (FerretDB 1.24's
     * SQLite backend answered a later {@code --drop} restore with "index ... already exists" when a collection's DDL
     * ran while other collections were being inserted into; the same phases as mongorestore {@code --noIndexRestore}
     * followed by {@link #restoreIndexes}, which it restores correctly). Setting: {@code restore.parallel-collections}.
     */
    public static final int DEFAULT_PARALLEL_COLLECTIONS = 4;

    private final MongoClient target;
    private final int parallelCollections;

    public DriverRestore(MongoClient target) {
        this(target, DEFAULT_PARALLEL_COLLECTIONS);
    }

    /** @param parallelCollections how many collections are restored at the same time (each one in order, by one thread) */
    public DriverRestore(MongoClient target, int parallelCollections) {
        this.target = Objects.requireNonNull(target, "target");
        if (parallelCollections < 1) {
            throw new IllegalArgumentException("parallel collections must be at least 1: " + parallelCollections);
        }
        this.parallelCollections = parallelCollections;
    }

    /**
     * @throws RestoreException     when refused before writing, or when the server rejects a write (the message
     *                              names the namespace)
     * @throws UncheckedIOException when the dump cannot be read
     */
    public RestoreResult restoreDump(Path dumpDir, RestoreOptions options) {
        DumpLayout layout = scan(dumpDir);
        Namespaces.Filter filter = Namespaces.Filter.of(options);
        List<Planned> collections = new ArrayList<>();
        List<Planned> views = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (DumpLayout.Entry entry : layout.entries()) {
            if (!filter.includes(entry.namespace())) {
                continue;
            }
            String reason = skipReason(entry);
            if (reason != null) {
                skipped.add(entry.namespace() + " (" + reason + ")");
                continue;
            }
            String targetDb = options.dbPrefix() + entry.database();
            Namespaces.requireValidDatabaseName(targetDb);
            Planned planned = new Planned(entry, targetDb);
            (entry.type().equals("view") ? views : collections).add(planned);
        }
        checkTargets(collections, views, options.drop());

        Set<String> databases = new LinkedHashSet<>();
        List<String> namespaces = new ArrayList<>();
        List<String> viewNamespaces = new ArrayList<>();
        long documents = 0;
        int indexes = 0;
        Inserted inserted = new Inserted(collections.stream().mapToLong(DriverRestore::bsonSize).sum());
        try {
            for (long[] done : restoreCollections(collections, options.drop(), inserted)) {
                documents += done[0];
                indexes += (int) done[1];
            }
        } finally {
            inserted.progress.finish();
        }
        for (Planned p : collections) {
            databases.add(p.targetDb());
            namespaces.add(p.targetNamespace());
        }
        for (Planned p : views) {
            MongoDatabase db = target.getDatabase(p.targetDb());
            try {
                if (options.drop()) {
                    db.getCollection(p.entry().collection()).drop();
                }
                db.runCommand(createCommand(p));
            } catch (MongoException e) {
                throw new RestoreException("creating view " + p.targetNamespace() + " failed: " + e.getMessage(), e);
            }
            databases.add(p.targetDb());
            viewNamespaces.add(p.targetNamespace());
        }
        return new RestoreResult(databases.size(), namespaces.size(), documents, indexes, namespaces, viewNamespaces,
                layout.oplogPresent(), skipped);
    }

    /**
     * Restores the collections in three phases: each one dropped (with {@code drop}) and created, one at a time; then
     * the documents inserted, up to {@link #parallelCollections} collections at a time (largest first, so a big one
     * does not start last; each collection in order by one thread); then the indexes created, one collection at a
     * time. Returns per collection, in plan order, {documents, indexes}. The first failure stops the others and is
     * thrown, naming its namespace.
     */
    private List<long[]> restoreCollections(List<Planned> collections, boolean drop, Inserted inserted) {
        for (Planned p : collections) {
            inCollection(p, () -> {
                prepareCollection(target.getDatabase(p.targetDb()), p, drop);
                return 0L;
            });
        }
        List<Long> documents = insertAll(collections, inserted);
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < collections.size(); i++) {
            Planned p = collections.get(i);
            long indexes = inCollection(p, () -> (long) createIndexes(target.getDatabase(p.targetDb()), p.entry()));
            out.add(new long[] {documents.get(i), indexes});
        }
        return out;
    }

    /** Inserts every collection's documents, up to {@link #parallelCollections} at a time; counts in plan order. */
    private List<Long> insertAll(List<Planned> collections, Inserted inserted) {
        int threads = Math.min(parallelCollections, collections.size());
        if (threads <= 1) {
            List<Long> out = new ArrayList<>();
            for (Planned p : collections) {
                out.add(inCollection(p, () -> insertDocuments(target.getDatabase(p.targetDb()), p, inserted)));
            }
            return out;
        }
        List<Planned> bySize = new ArrayList<>(collections);
        bySize.sort(java.util.Comparator.comparingLong(DriverRestore::bsonSize).reversed());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "driver-restore");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.ExecutorCompletionService<Long> done = new java.util.concurrent.ExecutorCompletionService<>(pool);
        Map<Planned, java.util.concurrent.Future<Long>> futures = new java.util.IdentityHashMap<>();
        try {
            for (Planned p : bySize) {
                futures.put(p, done.submit(() -> inCollection(p, () -> insertDocuments(target.getDatabase(p.targetDb()), p, inserted))));
            }
            for (int i = 0; i < bySize.size(); i++) {
                try {
                    done.take().get(); // the first failure, whichever collection it is, ends the restore
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new RestoreException("restore failed: " + e.getCause(), e.getCause());
                }
            }
            List<Long> out = new ArrayList<>();
            for (Planned p : collections) {
                out.add(futures.get(p).get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RestoreException("restore interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e); // all completed normally above
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES); // no write goes on after we return
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs one step on one collection; a server error names the collection. */
    private static long inCollection(Planned p, java.util.function.LongSupplier step) {
        try {
            return step.getAsLong();
        } catch (MongoException e) {
            throw new RestoreException("restoring " + p.entry().namespace() + " into " + p.targetNamespace()
                    + " failed: " + e.getMessage(), e);
        }
    }

    private static long bsonSize(Planned p) {
        try {
            return java.nio.file.Files.size(p.entry().bsonFile());
        } catch (IOException e) {
            return 0;
        }
    }

    private static DumpLayout scan(Path dumpDir) {
        try {
            return DumpLayout.scan(dumpDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Why {@link #restoreDump} does not restore this dump entry, or null when it does. */
    static String skipReason(DumpLayout.Entry entry) {
        if (Namespaces.isSystemCollection(entry.collection())) {
            return "system collection";
        }
        String type = entry.type();
        if (type.equals("timeseries") || entry.options().containsKey("timeseries")) {
            return "time-series collection not supported";
        }
        if (type.equals("view")) {
            return null;
        }
        if (!type.equals("collection")) {
            return "unsupported type '" + type + "'";
        }
        if (entry.bsonFile() == null) {
            return "metadata without a .bson file";
        }
        return null;
    }

    /** Refuses, before any write, non-empty target collections and existing target views unless dropping. */
    private void checkTargets(List<Planned> collections, List<Planned> views, boolean drop) {
        if (drop) {
            return;
        }
        List<String> problems = RestoreNamespaces.occupied(target, collections.stream().map(Planned::targetNamespace).toList(),
                views.stream().map(Planned::targetNamespace).toList());
        if (!problems.isEmpty()) {
            throw new RestoreException(String.join("\n", problems));
        }
    }

    private static void prepareCollection(MongoDatabase db, Planned p, boolean drop) {
        String name = p.entry().collection();
        if (drop) {
            db.getCollection(name).drop();
        } else if (db.listCollectionNames().into(new ArrayList<>()).contains(name)) {
            return; // exists and is empty (checked): restore into it as it is
        }
        db.runCommand(createCommand(p));
    }

    private static BsonDocument createCommand(Planned p) {
        BsonDocument command = new BsonDocument("create", new BsonString(p.entry().collection()));
        for (Map.Entry<String, BsonValue> option : p.entry().options().entrySet()) {
            if (!OBSOLETE_OPTIONS.contains(option.getKey())) {
                command.append(option.getKey(), option.getValue());
            }
        }
        return command;
    }

    /** What all collections have inserted so far, for the progress line (bytes of the dump's .bson files, documents). */
    private static final class Inserted {
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong documents = new java.util.concurrent.atomic.AtomicLong();
        final org.ipfsbackup.observe.ProgressReporter progress;

        Inserted(long totalBytes) {
            progress = org.ipfsbackup.observe.ProgressReporter.start("restore", org.ipfsbackup.observe.ProgressReporter.Unit.BYTES, totalBytes)
                    .detail(() -> ", " + documents.get() + " documents inserted");
        }

        void add(int count, long size) {
            documents.addAndGet(count);
            progress.update(bytes.addAndGet(size));
        }
    }

    private static long insertDocuments(MongoDatabase db, Planned p, Inserted inserted) {
        MongoCollection<RawBsonDocument> coll = db.getCollection(p.entry().collection(), RawBsonDocument.class);
        InsertManyOptions insertOptions = new InsertManyOptions().ordered(true).bypassDocumentValidation(true);
        long count = 0;
        List<RawBsonDocument> batch = new ArrayList<>();
        long batchBytes = 0;
        try (BsonFileReader reader = new BsonFileReader(p.entry().bsonFile())) {
            RawBsonDocument doc;
            while ((doc = reader.read()) != null) {
                int size = doc.getByteBuffer().remaining();
                if (!batch.isEmpty() && (batch.size() >= BATCH_DOCUMENTS || batchBytes + size > BATCH_BYTES)) {
                    coll.insertMany(batch, insertOptions);
                    count += batch.size();
                    inserted.add(batch.size(), batchBytes);
                    batch = new ArrayList<>();
                    batchBytes = 0;
                }
                batch.add(doc);
                batchBytes += size;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + p.entry().bsonFile() + " failed: " + e.getMessage(), e);
        }
        if (!batch.isEmpty()) {
            coll.insertMany(batch, insertOptions);
            count += batch.size();
            inserted.add(batch.size(), batchBytes);
        }
        return count;
    }

    /**
     * Creates, on collections that exist already, the indexes their metadata.json lists (except {@code _id_}),
     * exactly as {@link #restoreDump} creates them: for what mongorestore restored with {@code --noIndexRestore}
     * (FerretDB refuses mongorestore's index specs: it adds {@code ns}, which FerretDB does not know). The
     * collections are chosen as {@link #restoreDump} chooses them ({@code nsInclude}, {@code dbPrefix}, system and
     * time-series collections skipped); views have no indexes. Nothing else is written.
     *
     * @return the number of indexes created
     * @throws RestoreException when the server rejects an index (the message names the namespace)
     */
    public int restoreIndexes(Path dumpDir, RestoreOptions options) {
        DumpLayout layout = scan(dumpDir);
        Namespaces.Filter filter = new Namespaces.Filter(options.nsInclude());
        int indexes = 0;
        for (DumpLayout.Entry entry : layout.entries()) {
            if (!filter.includes(entry.namespace()) || skipReason(entry) != null || entry.type().equals("view")) {
                continue;
            }
            String targetDb = options.dbPrefix() + entry.database();
            try {
                indexes += createIndexes(target.getDatabase(targetDb), entry);
            } catch (MongoException e) {
                throw new RestoreException("creating the indexes of " + targetDb + "." + entry.collection() + " failed: "
                        + e.getMessage(), e);
            }
        }
        return indexes;
    }

    private static int createIndexes(MongoDatabase db, DumpLayout.Entry entry) {
        BsonArray specs = new BsonArray();
        for (BsonDocument index : entry.indexes()) {
            BsonValue name = index.get("name");
            if (name != null && name.isString() && name.asString().getValue().equals("_id_")) {
                continue;
            }
            BsonDocument spec = new BsonDocument();
            for (Map.Entry<String, BsonValue> field : index.entrySet()) {
                if (!DROPPED_INDEX_FIELDS.contains(field.getKey())) {
                    spec.append(field.getKey(), field.getValue());
                }
            }
            specs.add(spec);
        }
        if (!specs.isEmpty()) {
            db.runCommand(new BsonDocument("createIndexes", new BsonString(entry.collection())).append("indexes", specs));
        }
        return specs.size();
    }

    private record Planned(DumpLayout.Entry entry, String targetDb) {
        String targetNamespace() {
            return targetDb + "." + entry.collection();
        }
    }
}
