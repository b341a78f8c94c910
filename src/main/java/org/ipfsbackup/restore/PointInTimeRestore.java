package org.ipfsbackup.restore;

import com.mongodb.client.MongoClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.mongo.OplogPosition;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.manifest.BackupChains.RestorePlan;
import org.ipfsbackup.manifest.ManifestEntry;

/**
 * Restores a {@link RestorePlan}: the full backup, then the oplog of the full (the writes during its dump) and of
 * each incremental, up to the plan's point in time.
 *
 * <p>Everything is downloaded, checked against the manifest's sha256, decrypted (every byte authenticated) and
 * extracted into a private work directory, in one pass as the bytes arrive ({@link BackupFetcher#fetchAndExtract}),
 * BEFORE the target is touched, so a wrong key, a corrupt download or an unsafe archive leaves the target
 * as it was. Only then the full is restored (refusing non-empty collections without {@code drop}) and the oplogs
 * replayed; if that fails part-way, the error names what had been written.
 */
public final class PointInTimeRestore {

    /**
     * What was restored, by which engine: {@code driver}, {@code mongorestore}, or {@code mongorestore+driver} (a target
     * without applyOps: mongorestore restored the collections, the driver the indexes and the oplog); indexes is -1
     * when not reported.
     */
    public record Result(ManifestEntry full, List<ManifestEntry> incrementals, String engine, int collections, long documents,
                         int indexes, long oplogApplied, OplogPosition lastApplied, List<String> namespaces) {
    }

    private final BackupFetcher fetcher;
    private final BackupCipher cipher;
    private final Path workDir;
    private final Set<String> neverRestored;
    private final Consumer<String> progress;

    /**
     * @param neverRestored databases whose oplog entries are not replayed by default (the manifest database: the
     *     oplog is backed up whole, with the manifest's own writes in it)
     */
    public PointInTimeRestore(BackupFetcher fetcher, BackupCipher cipher, Path workDir, Set<String> neverRestored,
                              Consumer<String> progress) {
        this.fetcher = fetcher;
        this.cipher = cipher;
        this.workDir = workDir;
        this.neverRestored = Set.copyOf(neverRestored);
        this.progress = progress;
    }

    private int parallelCollections = DriverRestore.DEFAULT_PARALLEL_COLLECTIONS;

    /** Collections the driver engine inserts at the same time ({@code restore.parallel-collections}). */
    public PointInTimeRestore withParallelCollections(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("restore.parallel-collections must be at least 1: " + n);
        }
        this.parallelCollections = n;
        return this;
    }

    public Result restore(RestorePlan plan, MongoClient target, RestoreOptions options) throws IOException {
        return restore(plan, target, null, options, null);
    }

    /**
     * @param targetUri the target's URI, for the mongorestore engine
     * @param mongorestore the mongorestore engine, or null for the driver engine
     */
    public Result restore(RestorePlan plan, MongoClient target, String targetUri, RestoreOptions options, MongorestoreEngine mongorestore)
            throws IOException {
        BackupFetcher.prepare(plan.all(), cipher);
        Files.createDirectories(workDir);
        Path scratch = Files.createTempDirectory(workDir, "restore-");
        try {
            // 1. fetch and open everything first
            Map<ManifestEntry, Path> dirs = new LinkedHashMap<>();
            for (ManifestEntry e : plan.all()) {
                // downloaded, hashed, decrypted and extracted in one pass, into the scratch directory only
                Path dir = scratch.resolve(e.cid());
                var d = fetcher.fetchAndExtract(e, cipher, dir);
                progress.accept("downloaded " + e.type() + " " + e.fileName() + " (" + e.cid() + ", " + d.bytes() + " bytes) from "
                        + d.source() + ", sha256 matches the manifest; decrypted and extracted");
                dirs.put(e, dir);
            }
            // 2. the restore proper. By default: the databases of the full backup and those the oplogs write to
            // (created after the full); never the manifest's own
            List<String> nsInclude = options.nsInclude();
            if (nsInclude.isEmpty()) {
                Set<String> dbs = new TreeSet<>(plan.full().databases());
                for (Path dir : dirs.values()) {
                    dbs.addAll(oplogDatabases(dir.resolve("oplog.bson")));
                }
                dbs.removeAll(neverRestored);
                dbs.removeAll(Set.of("admin", "local", "config"));
                nsInclude = dbs.stream().map(db -> db + ".*").toList();
            }
            RestoreOptions effective = new RestoreOptions(options.drop(), nsInclude, options.dbPrefix(), neverRestored);
            // every namespace the restore writes, once: the refusal of a non-empty target and --drop cover the same
            RestoreNamespaces written = RestoreNamespaces.of(effective, dirs.get(plan.full()),
                    plan.all().stream().map(e -> dirs.get(e).resolve("oplog.bson")).toList());
            if (mongorestore != null) {
                return withMongorestore(plan, dirs, target, targetUri, effective, mongorestore, written);
            }
            List<String> dropped = prepareTarget(written, target, effective.drop());
            RestoreResult restored;
            try {
                // the target was checked or dropped above, namespace by namespace
                restored = new DriverRestore(target, parallelCollections).restoreDump(dirs.get(plan.full()), effective.withDrop(false));
            } catch (RuntimeException ex) {
                if (dropped.isEmpty()) {
                    throw ex;
                }
                throw new RestoreException(ex.getMessage() + " (--drop had dropped " + dropped + " before; restore again with --drop)", ex);
            }
            progress.accept("restored the full backup: " + restored.collections() + " collections, " + restored.documents() + " documents");
            long applied = 0;
            OplogPosition last = null;
            OplogPosition after = null;
            List<ManifestEntry> chain = new ArrayList<>(plan.all());
            try {
                for (ManifestEntry e : chain) {
                    Path oplog = dirs.get(e).resolve("oplog.bson");
                    if (!Files.exists(oplog)) {
                        continue;
                    }
                    OplogReplayResult r = new OplogApplier(target, effective).apply(oplog, after, plan.until());
                    applied += r.applied();
                    if (r.last() != null) {
                        last = r.last();
                    }
                    progress.accept("replayed the oplog of " + e.fileName() + ": " + r.applied() + " applied, " + r.skipped() + " skipped");
                    if (e.oplogEnd() != null) {
                        after = OplogPosition.parse(e.oplogEnd());
                    }
                }
            } catch (RuntimeException ex) {
                throw new IllegalStateException("oplog replay failed after the full backup was restored into " + restored.namespaces()
                        + " (" + ex.getMessage() + "): the target holds the full backup plus part of the oplog; restore again with --drop", ex);
            }
            return new Result(plan.full(), plan.incrementals(), "driver", restored.collections(), restored.documents(), restored.indexes(),
                    applied, last, restored.namespaces());
        } finally {
            WorkDirectories.deleteTree(scratch);
        }
    }

    private Result withMongorestore(RestorePlan plan, Map<ManifestEntry, Path> dirs, MongoClient target, String targetUri,
                                    RestoreOptions options, MongorestoreEngine engine, RestoreNamespaces written) throws IOException {
        Path fullDir = dirs.get(plan.full());
        if (!options.drop()) {
            written.requireEmpty(target); // before mongorestore runs, as the driver engine
        }
        List<Path> oplogs = plan.incrementals().stream().map(e -> dirs.get(e).resolve("oplog.bson")).filter(Files::exists).toList();
        // mongorestore --drop drops the dump's collections only; those only in the oplogs are dropped here, once
        // every check of the engine has passed
        MongorestoreResult r = engine.restore(targetUri, fullDir, oplogs, plan.until(), options,
                () -> prepareTarget(written, target, options.drop()));
        if (r.driverFinished()) {
            OplogReplayResult replay = r.driverReplay();
            progress.accept("mongorestore restored " + r.namespaces().size() + " collections, " + r.documentsRestored()
                    + " documents (--noIndexRestore: the target has no applyOps); the driver created " + r.driverIndexes()
                    + " indexes from metadata.json and replayed the oplog: " + (replay == null ? 0 : replay.applied())
                    + " applied, " + (replay == null ? 0 : replay.skipped()) + " skipped");
            return new Result(plan.full(), plan.incrementals(), "mongorestore+driver", r.namespaces().size(), r.documentsRestored(),
                    r.driverIndexes(), replay == null ? 0 : replay.applied(), replay == null ? null : replay.last(), r.namespaces());
        }
        progress.accept("mongorestore restored " + r.namespaces().size() + " collections, " + r.documentsRestored()
                + " documents, replayed " + r.oplogEntriesToApply() + " oplog entries (--oplogLimit " + r.oplogLimit() + ")");
        return new Result(plan.full(), plan.incrementals(), "mongorestore", r.namespaces().size(), r.documentsRestored(), -1,
                r.oplogEntriesToApply(), r.lastToApply(), r.namespaces());
    }

    /**
     * Without {@code drop}: refuses, naming them, target collections the restore writes that hold documents (and
     * views that exist). With it: drops every one of them. Returns what was dropped.
     */
    private List<String> prepareTarget(RestoreNamespaces written, MongoClient target, boolean drop) {
        if (!drop) {
            written.requireEmpty(target);
            return List.of();
        }
        List<String> dropped = written.drop(target);
        progress.accept("--drop: dropped " + dropped.size() + " target collection(s) the restore writes"
                + (dropped.isEmpty() ? "" : ": " + String.join(", ", dropped)));
        return dropped;
    }

    /** Databases an oplog file writes to (top-level entries and the ops inside applyOps). */
    static Set<String> oplogDatabases(Path oplog) throws IOException {
        Set<String> dbs = new TreeSet<>();
        if (!Files.exists(oplog)) {
            return dbs;
        }
        try (BsonFileReader r = new BsonFileReader(oplog)) {
            for (RawBsonDocument d : r) {
                addDb(dbs, d);
            }
        }
        return dbs;
    }

    private static void addDb(Set<String> dbs, BsonDocument entry) {
        if (entry.isString("ns")) {
            String ns = entry.getString("ns").getValue();
            int dot = ns.indexOf('.');
            if (dot > 0) {
                dbs.add(ns.substring(0, dot));
            }
        }
        BsonValue o = entry.get("o");
        if (o != null && o.isDocument() && o.asDocument().isArray("applyOps")) {
            for (BsonValue op : o.asDocument().getArray("applyOps")) {
                if (op.isDocument()) {
                    addDb(dbs, op.asDocument());
                }
            }
        }
    }
}
