package org.ipfsbackup.restore;

import org.ipfsbackup.mongo.Masking;

import org.ipfsbackup.mongo.DumpLayout;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bson.BsonArray;
import org.bson.BsonBinaryWriter;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;
import org.ipfsbackup.mongo.MongoToolRunner;
import org.ipfsbackup.mongo.OplogPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

/**
 * Restores a full backup and the oplogs of its incrementals with the {@code mongorestore} program (mongo-tools
 * 100.x), run through camel-exec's executor, as the {@code mongodump} engine runs mongodump.
 *
 * <h2>What mongorestore is given</h2>
 * One directory, built in a private temporary directory under {@code tempDir}:
 * <ul>
 *   <li>the full backup's {@code <db>/<coll>.bson} and {@code .metadata.json} files as hard links (copies only
 *       where a link is impossible, e.g. across file systems), except the {@code local} database;</li>
 *   <li>ONE top-level {@code oplog.bson} (the only place mongorestore looks for it): the full backup's
 *       {@code oplog.bson} (the writes during its dump) followed by each incremental's, streamed entry by entry.
 *       Every {@code ts} must be strictly greater than the one before, across files too, else the restore fails
 *       before mongorestore runs ("overlap or out of order").</li>
 * </ul>
 * Then: {@code mongorestore --config=<yaml> --dir=<dir> [--noIndexRestore] [--oplogReplay [--oplogLimit=<s>:<i>]] [--drop]
 * --stopOnError}. Without any oplog entry there is no {@code oplog.bson} and no {@code --oplogReplay};
 * {@code --noIndexRestore} (and no {@code --oplogReplay}) on a target without {@code applyOps}, see below.
 *
 * <ul>
 *   <li>The connection string is only in the {@code --config} YAML file (mongo-tools' {@code uri:} key), readable
 *       by its owner only and deleted when mongorestore ends; its database path, which mongo-tools would take for
 *       {@code --db} (refused with {@code --oplogReplay}), is moved to {@code authSource}.</li>
 *   <li>{@code --oplogLimit}: mongorestore applies the entries with {@code ts < limit}
 *       ({@code TimestampBeforeLimit} in mongorestore/oplog.go), so for "every entry {@code <= until}" the limit is
 *       the next timestamp after {@code until}: {@code s:(i+1)}, or {@code (s+1):0} when {@code i} is
 *       {@code 0xFFFFFFFF} (a second-precision {@code until}); none for the largest timestamp.</li>
 *   <li>{@code nsInclude}: mongorestore refuses {@code --nsInclude} (and {@code --db}, {@code --nsExclude},
 *       {@code --nsFrom}) with {@code --oplogReplay} ("cannot use --oplogReplay with includes specified"), so the
 *       engine never passes it: it links only the selected collections' files and selects the oplog entries itself
 *       ({@link OplogSelection}). {@link RestoreOptions#dbPrefix()} cannot be done with {@code --oplogReplay} at all
 *       and is refused.</li>
 *   <li>{@code --stopOnError}: without it mongorestore continues past duplicate keys and validation errors and
 *       exits 0. A summary line reporting failed documents is a failure too.</li>
 *   <li>Oplog replay goes through the server's {@code applyOps} command, which FerretDB does not have. Before
 *       anything runs the engine asks the target ({@code {applyOps: []}} through the Java driver); see below for a
 *       target without it.</li>
 * </ul>
 *
 * <h2>A target without applyOps (FerretDB)</h2>
 * FerretDB (1.24) has no {@code applyOps}, so {@code --oplogReplay} fails there, and it refuses every secondary
 * index mongorestore creates: mongorestore adds an {@code ns} field to each index spec and FerretDB answers
 * {@code Index option "ns" is unknown} (MongoDB accepts it). On such a target ({@link Mode#DRIVER_INDEXES_AND_OPLOG})
 * mongorestore restores the collections (options from metadata.json, documents, views) with
 * {@code --noIndexRestore} and without {@code --oplogReplay}; then the Java driver creates the indexes from
 * metadata.json ({@link DriverRestore#restoreIndexes}, the driver engine's own code, which leaves {@code ns} out)
 * and replays the oplogs ({@link OplogApplier}: the full backup's {@code oplog.bson}, then each incremental's, up
 * to {@code until}, {@code nsInclude} applied by the applier). The oplogs are still checked for order before
 * mongorestore runs. If the index or oplog step fails, the error says what mongorestore had written.
 * The exit code is checked, mongorestore is killed at the timeout, and the last lines of its stderr (its log),
 * credentials masked, are carried into the {@link MongorestoreException}. The temporary directory is removed in
 * every case.
 */
public final class MongorestoreEngine {

    public static final String NAME = "mongorestore";
    static final String OPLOG_FILE = "oplog.bson";
    private static final Logger LOG = LoggerFactory.getLogger(MongorestoreEngine.class);
    private static final int COMMAND_NOT_FOUND = 59;
    private static final long MAX_TIMESTAMP_PART = 0xFFFF_FFFFL;
    private static final Pattern SUMMARY = Pattern.compile(
            "(\\d+) document\\(s\\) restored successfully\\. (\\d+) document\\(s\\) failed to restore\\.");

    private final String executable;
    private final Path tempDir;
    private final Duration timeout;
    private final Mode mode;

    /** Who creates the indexes and replays the oplog after mongorestore has restored the collections. */
    public enum Mode {
        /** Ask the target for {@code applyOps}: mongorestore does it all when it has it, else the driver finishes. */
        ASK_TARGET,
        /** mongorestore restores the indexes and replays the oplog ({@code --oplogReplay}): MongoDB. */
        MONGORESTORE,
        /** mongorestore restores the collections with {@code --noIndexRestore}; the driver does the rest: FerretDB. */
        DRIVER_INDEXES_AND_OPLOG
    }

    /**
     * @param executable mongorestore to run (a path, or a name looked up on PATH by the operating system)
     * @param tempDir    where the private work directory and the {@code --config} file go; the full backup's
     *                   files are hard-linked there, so the same file system as the extracted backup is best
     * @param timeout    mongorestore is killed when it runs longer
     */
    public MongorestoreEngine(String executable, Path tempDir, Duration timeout) {
        this(executable, tempDir, timeout, Mode.ASK_TARGET);
    }

    /** As above; {@code mode} other than {@link Mode#ASK_TARGET} does not ask the target for {@code applyOps}. */
    public MongorestoreEngine(String executable, Path tempDir, Duration timeout, Mode mode) {
        this.executable = Objects.requireNonNull(executable, "executable");
        this.tempDir = Objects.requireNonNull(tempDir, "tempDir");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    private int parallelCollections = DriverRestore.DEFAULT_PARALLEL_COLLECTIONS;

    /**
     * Collections mongorestore restores at the same time ({@code --numParallelCollections}, passed explicitly; its own
     * default is 4 as well), as {@code restore.parallel-collections} sets it for the driver engine.
     */
    public MongorestoreEngine withParallelCollections(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("restore.parallel-collections must be at least 1: " + n);
        }
        this.parallelCollections = n;
        return this;
    }

    /**
     * @param targetUri         the MongoDB to restore into
     * @param fullDumpDir       the extracted full backup (mongodump layout, may hold {@code oplog.bson}: the writes
     *                          during its dump)
     * @param incrementalOplogs the {@code oplog.bson} of each incremental, in chain order
     * @param until             last oplog position to apply (inclusive), {@code null} for all
     * @throws MongorestoreException when mongorestore fails, reports failed documents, cannot be run, or is killed
     *                               at the timeout
     * @throws RestoreException      when refused before mongorestore runs: oplogs that overlap or are out of order,
     *                               a {@code dbPrefix}, oplog entries that {@code nsInclude} cannot be applied to,
     *                               a target that cannot be asked for {@code applyOps}, unreadable input; or, on a
     *                               target without {@code applyOps}, when the driver's index or oplog step fails
     *                               after mongorestore (the message says what had been written)
     */
    public MongorestoreResult restore(String targetUri, Path fullDumpDir, List<Path> incrementalOplogs, OplogPosition until,
                                      RestoreOptions options) throws RestoreException {
        return restore(targetUri, fullDumpDir, incrementalOplogs, until, options, () -> { });
    }

    /**
     * As above; {@code beforeRun} runs after every check that can refuse the restore, just before mongorestore
     * starts (the first write to the target): where a caller drops what mongorestore's {@code --drop} does not
     * reach. When it throws, mongorestore does not run.
     */
    public MongorestoreResult restore(String targetUri, Path fullDumpDir, List<Path> incrementalOplogs, OplogPosition until,
                                      RestoreOptions options, Runnable beforeRun) throws RestoreException {
        Objects.requireNonNull(beforeRun, "beforeRun");
        Objects.requireNonNull(targetUri, "targetUri");
        Objects.requireNonNull(fullDumpDir, "fullDumpDir");
        Objects.requireNonNull(incrementalOplogs, "incrementalOplogs");
        Objects.requireNonNull(options, "options");
        if (!options.dbPrefix().isEmpty()) {
            throw new RestoreException("mongorestore engine: a database prefix (" + options.dbPrefix() + ") needs"
                    + " --nsFrom/--nsTo, which mongorestore refuses with --oplogReplay; use the driver engine");
        }
        if (!Files.isDirectory(fullDumpDir)) {
            throw new RestoreException("mongorestore engine: the full backup directory " + fullDumpDir + " does not exist");
        }
        for (Path oplog : incrementalOplogs) {
            if (!Files.isRegularFile(oplog)) {
                throw new RestoreException("mongorestore engine: the incremental oplog " + oplog + " does not exist");
            }
        }
        Mode chosen = mode == Mode.ASK_TARGET ? askTarget(targetUri) : mode;
        boolean driverFinishes = chosen == Mode.DRIVER_INDEXES_AND_OPLOG;
        OplogSelection selection = options.nsInclude().isEmpty() && options.excludeDatabases().isEmpty() ? null
                : new OplogSelection(options.nsInclude().isEmpty() ? List.of("*.*") : options.nsInclude(), options.excludeDatabases());

        Path work;
        try {
            work = privateDirectory();
        } catch (IOException e) {
            throw new RestoreException("mongorestore engine: cannot create a work directory in " + tempDir + ": " + e, e);
        }
        try {
            Path dir = Files.createDirectory(work.resolve("dump"));
            Staged staged = stage(fullDumpDir, dir, selection);
            // for mongorestore: its dump directory's oplog.bson; for the driver: beside it, out of mongorestore's sight
            Path merged = (driverFinishes ? work : dir).resolve(OPLOG_FILE);
            // mongorestore needs the entries selected for it; the driver applies nsInclude to the oplog itself
            Merge merge = merge(fullDumpDir.resolve(OPLOG_FILE), incrementalOplogs, merged, until, driverFinishes ? null : selection);
            boolean replay = !driverFinishes && merge.written > 0;
            if (merge.written == 0) {
                Files.delete(merged);
            }
            String limit = replay && until != null ? oplogLimit(until) : null;
            List<String> args = arguments(dir, replay, limit, options.drop(), driverFinishes, parallelCollections);
            LOG.info("mongorestore engine: {} namespace(s) ({} file(s) linked, {} copied), {} oplog entries ({} up to {}), "
                    + "{} left out by nsInclude; indexes and oplog replay by {}", staged.namespaces.size(), staged.linked,
                    staged.copied, merge.written, merge.toApply, until == null ? "the end" : until, merge.leftOut,
                    driverFinishes ? "the driver (the target has no applyOps)" : "mongorestore");
            beforeRun.run();
            String stderr = run(targetUri, args);
            long restored = -1;
            long failed = -1;
            Matcher summary = SUMMARY.matcher(stderr);
            while (summary.find()) {
                restored = Long.parseLong(summary.group(1));
                failed = Long.parseLong(summary.group(2));
            }
            if (failed > 0) {
                String tail = MongoToolRunner.tail(stderr);
                throw new MongorestoreException("mongorestore engine: mongorestore exited 0 but " + failed
                        + " document(s) failed to restore (" + restored + " restored); stderr:\n" + tail, 0, false, tail, null);
            }
            int driverIndexes = -1;
            OplogReplayResult driverReplay = null;
            if (driverFinishes) {
                AfterMongorestore.Result finish = finishWithDriver(targetUri, dir, merge.written > 0 ? merged : null, until,
                        options, staged.namespaces, restored);
                driverIndexes = finish.indexes();
                driverReplay = finish.replay();
            }
            return new MongorestoreResult(List.copyOf(staged.namespaces), staged.linked, staged.copied, merge.written,
                    merge.toApply, merge.lastToApply, merge.leftOut, merge.rewritten, limit, args, restored, failed,
                    driverIndexes, driverReplay);
        } catch (IOException | UncheckedIOException e) {
            throw new RestoreException("mongorestore engine: preparing the restore directory failed: " + e.getMessage(), e);
        } finally {
            try {
                MongoToolRunner.deleteTree(work);
            } catch (IOException e) {
                LOG.warn("could not delete the mongorestore work directory {}: {}", work, e.toString());
            }
        }
    }

    // ---- arguments ----

    /** mongorestore's arguments after {@code --config=...}. */
    static List<String> arguments(Path dir, boolean replay, String oplogLimit, boolean drop, boolean noIndexRestore, int parallelCollections) {
        List<String> args = new ArrayList<>();
        args.add("--dir=" + dir);
        args.add("--numParallelCollections=" + parallelCollections);
        if (noIndexRestore) {
            args.add("--noIndexRestore");
        }
        if (replay) {
            args.add("--oplogReplay");
            if (oplogLimit != null) {
                args.add("--oplogLimit=" + oplogLimit);
            }
        }
        if (drop) {
            args.add("--drop");
        }
        args.add("--stopOnError");
        return args;
    }

    /**
     * The {@code --oplogLimit} value under which every entry {@code <= until} is applied: mongorestore applies
     * {@code ts < limit}, so the smallest timestamp after {@code until}. {@code null} when {@code until} is the
     * largest timestamp (every entry is {@code <= until}; no limit needed).
     */
    static String oplogLimit(OplogPosition until) {
        long increment = Integer.toUnsignedLong(until.increment());
        if (increment < MAX_TIMESTAMP_PART) {
            return until.seconds() + ":" + (increment + 1);
        }
        if (until.seconds() < MAX_TIMESTAMP_PART) {
            return (until.seconds() + 1) + ":0";
        }
        return null;
    }

    // ---- the directory ----

    private static final class Staged {
        final Set<String> namespaces = new TreeSet<>();
        int linked;
        int copied;
    }

    /** Links the full backup's database directories into {@code dir}, only the selected collections' files. */
    private static Staged stage(Path fullDumpDir, Path dir, OplogSelection selection) throws IOException {
        Staged staged = new Staged();
        for (Path child : sorted(fullDumpDir)) {
            String db = child.getFileName().toString();
            if (!Files.isDirectory(child)) {
                if (!db.equals(OPLOG_FILE)) {
                    LOG.debug("mongorestore engine: ignoring {} (not a database directory)", child);
                }
                continue;
            }
            if (db.startsWith(".") || db.equals("local")) {
                LOG.debug("mongorestore engine: not restoring {}", child);
                continue;
            }
            // stem -> files (.bson and/or .metadata.json)
            Map<String, List<Path>> byStem = new TreeMap<>();
            Map<String, Path> metadataByStem = new TreeMap<>();
            List<Path> others = new ArrayList<>();
            for (Path file : sorted(child)) {
                String name = file.getFileName().toString();
                String stem = null;
                if (Files.isDirectory(file)) {
                    continue;
                } else if (name.endsWith(DumpLayout.METADATA)) {
                    stem = name.substring(0, name.length() - DumpLayout.METADATA.length());
                    metadataByStem.put(stem, file);
                } else if (name.endsWith(DumpLayout.BSON)) {
                    stem = name.substring(0, name.length() - DumpLayout.BSON.length());
                }
                if (stem == null) {
                    others.add(file);
                } else {
                    byStem.computeIfAbsent(stem, k -> new ArrayList<>()).add(file);
                }
            }
            Path target = null;
            for (Map.Entry<String, List<Path>> e : byStem.entrySet()) {
                Path metadata = metadataByStem.get(e.getKey());
                String ns = db + "." + DumpLayout.collectionName(e.getKey(),
                        metadata == null ? null : DumpLayout.readMetadata(metadata));
                if (selection != null && !selection.includesCollection(ns)) {
                    continue;
                }
                if (target == null) {
                    target = Files.createDirectory(dir.resolve(db));
                }
                for (Path file : e.getValue()) {
                    link(file, target.resolve(file.getFileName().toString()), staged);
                }
                staged.namespaces.add(ns);
            }
            if (selection == null) {
                for (Path file : others) {
                    if (target == null) {
                        target = Files.createDirectory(dir.resolve(db));
                    }
                    link(file, target.resolve(file.getFileName().toString()), staged);
                }
            }
        }
        return staged;
    }

    private static void link(Path source, Path target, Staged staged) throws IOException {
        try {
            Files.createLink(target, source);
            staged.linked++;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("mongorestore engine: cannot hard-link {} ({}), copying it", source, e.toString());
            Files.copy(source, target);
            staged.copied++;
        }
    }

    // ---- the oplog ----

    private static final class Merge {
        long written;
        long toApply;
        OplogPosition lastToApply;
        long leftOut;
        long rewritten;
    }

    /**
     * Streams the full backup's oplog (when present) and each incremental's into {@code out}, checking that every
     * {@code ts} is strictly greater than the one before, selecting the entries when {@code selection} is given.
     */
    private static Merge merge(Path fullOplog, List<Path> incrementals, Path out, OplogPosition until,
                               OplogSelection selection) throws IOException {
        List<Path> sources = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        if (Files.isRegularFile(fullOplog)) {
            sources.add(fullOplog);
            labels.add("the full backup's oplog " + fullOplog);
        }
        for (int i = 0; i < incrementals.size(); i++) {
            sources.add(incrementals.get(i));
            labels.add("incremental " + (i + 1) + " (" + incrementals.get(i) + ")");
        }
        Merge merge = new Merge();
        OplogPosition previous = null;
        String previousLabel = null;
        BsonDocumentCodec codec = new BsonDocumentCodec();
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), 256 * 1024)) {
            for (int s = 0; s < sources.size(); s++) {
                String label = labels.get(s);
                boolean firstOfFile = true;
                try (BsonFileReader reader = new BsonFileReader(sources.get(s))) {
                    RawBsonDocument entry;
                    while ((entry = reader.read()) != null) {
                        long offset = reader.bytesRead() - entry.getByteBuffer().remaining();
                        BsonValue tsValue = entry.get("ts");
                        if (tsValue == null || !tsValue.isTimestamp()) {
                            throw new RestoreException("mongorestore engine: " + label + ": the entry at byte offset "
                                    + offset + " has no timestamp ts");
                        }
                        OplogPosition ts = OplogPosition.of(tsValue.asTimestamp());
                        if (previous != null && ts.compareTo(previous) <= 0) {
                            throw new RestoreException(firstOfFile
                                    ? "mongorestore engine: " + label + " starts at " + ts + ", not after the end of "
                                            + previousLabel + " (" + previous + "): the oplogs overlap or are out of order"
                                    : "mongorestore engine: " + label + ": the entry at byte offset " + offset + " has ts "
                                            + ts + ", not after the entry before it (" + previous + "): the oplog is out of order");
                        }
                        previous = ts;
                        previousLabel = label;
                        firstOfFile = false;

                        BsonDocument selected = selection == null ? entry
                                : selection.select(entry, "mongorestore engine: " + label + ", entry ts " + ts);
                        if (selected == null) {
                            merge.leftOut++;
                            continue;
                        }
                        if (selected == entry) {
                            write(os, entry.getByteBuffer().asNIO());
                        } else {
                            BasicOutputBuffer buffer = new BasicOutputBuffer();
                            codec.encode(new BsonBinaryWriter(buffer), selected, EncoderContext.builder().build());
                            os.write(buffer.getInternalBuffer(), 0, buffer.getPosition());
                            merge.rewritten++;
                        }
                        merge.written++;
                        if (until == null || ts.compareTo(until) <= 0) {
                            merge.toApply++;
                            merge.lastToApply = ts;
                        }
                    }
                }
            }
        }
        return merge;
    }

    private static void write(OutputStream os, ByteBuffer bytes) throws IOException {
        if (bytes.hasArray()) {
            os.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            os.write(copy);
        }
    }

    // ---- the target ----

    /**
     * Asks the target whether it has the {@code applyOps} command, which mongorestore's oplog replay sends for every
     * entry: runs {@code {applyOps: []}} on {@code admin}. Empty when it does (or answered anything but "no such
     * command"), else the server's answer. FerretDB (1.x) answers "no such command".
     */
    public static Optional<String> applyOpsMissing(MongoClient target) {
        try {
            target.getDatabase("admin").runCommand(new BsonDocument("applyOps", new BsonArray()));
            return Optional.empty();
        } catch (MongoCommandException e) {
            String message = e.getErrorMessage() == null ? "" : e.getErrorMessage();
            if (e.getErrorCode() == COMMAND_NOT_FOUND || message.toLowerCase(Locale.ROOT).contains("no such command")) {
                return Optional.of("(" + e.getErrorCode() + (e.getErrorCodeName().isEmpty() ? "" : " " + e.getErrorCodeName())
                        + ") " + message);
            }
            return Optional.empty();
        }
    }

    /** {@link Mode#MONGORESTORE} when the target has {@code applyOps}, else {@link Mode#DRIVER_INDEXES_AND_OPLOG}. */
    private Mode askTarget(String targetUri) {
        Optional<String> missing;
        try (MongoClient client = connect(targetUri)) {
            missing = applyOpsMissing(client);
        } catch (MongoException | IllegalArgumentException e) {
            throw new RestoreException("mongorestore engine: cannot ask the target " + Masking.maskUri(targetUri)
                    + " whether it has applyOps: " + Masking.forUri(targetUri).mask(String.valueOf(e.getMessage()))
                    + "; nothing was restored", e);
        }
        if (missing.isPresent()) {
            LOG.info("mongorestore engine: the target {} has no applyOps ({}): mongorestore restores the collections"
                    + " (--noIndexRestore), the driver creates the indexes from metadata.json and replays the oplog",
                    Masking.maskUri(targetUri), Masking.forUri(targetUri).mask(missing.get()));
            return Mode.DRIVER_INDEXES_AND_OPLOG;
        }
        return Mode.MONGORESTORE;
    }

    private MongoClient connect(String targetUri) {
        long selectMillis = Math.min(timeout.toMillis(), 30_000);
        return MongoClients.create(org.ipfsbackup.mongo.MongoConnections.settings(targetUri)
                .applyToClusterSettings(b -> b.serverSelectionTimeout(selectMillis, TimeUnit.MILLISECONDS))
                .build());
    }

    /**
     * After mongorestore restored the collections with {@code --noIndexRestore}: the indexes from metadata.json,
     * then the merged oplog (when there is one) up to {@code until}, both through the driver.
     */
    private AfterMongorestore.Result finishWithDriver(String targetUri, Path dir, Path oplog, OplogPosition until,
                                                      RestoreOptions options, Set<String> namespaces, long documents) {
        String written = "mongorestore engine: mongorestore restored " + namespaces + " (" + (documents < 0 ? "?" : documents)
                + " documents), then ";
        try (MongoClient client = connect(targetUri)) {
            AfterMongorestore.Result result = AfterMongorestore.finish(client, dir, oplog, until, options);
            LOG.info("mongorestore engine: the driver created {} indexes and applied {} oplog operations ({} skipped)",
                    result.indexes(), result.applied(), result.skipped());
            return result;
        } catch (RuntimeException e) {
            throw new RestoreException(written + Masking.forUri(targetUri).mask(String.valueOf(e.getMessage())) + "; restore again with --drop", e);
        }
    }

    // ---- running mongorestore ----

    /** Runs mongorestore; returns its (masked) stderr when it exited 0. */
    private String run(String targetUri, List<String> args) throws IOException {
        MongoToolRunner runner = new MongoToolRunner(NAME, executable, tempDir, Masking.forUri(targetUri)::mask);
        Path config;
        try {
            config = runner.writeConfig(targetUri);
        } catch (IllegalArgumentException e) {
            throw new RestoreException("mongorestore engine: invalid target URI " + Masking.maskUri(targetUri) + ": "
                    + Masking.forUri(targetUri).mask(e.getMessage()), e);
        }
        org.ipfsbackup.mongo.ToolProgress progress = org.ipfsbackup.mongo.ToolProgress.startMongorestore();
        MongoToolRunner.Outcome outcome;
        try {
            outcome = runner.withStderrObserver(progress).run(config, args, timeout.toMillis());
        } finally {
            progress.finish(); // the last line, whatever the end
        }
        int exit = outcome.exitCode();
        String tail = outcome.tail();
        if (outcome.timedOut()) {
            throw new MongorestoreException("mongorestore engine: mongorestore did not finish within " + timeout
                    + " and was killed (exit code " + exit + ")" + outcome.stderrSuffix(""), exit, true, tail, null);
        }
        if (outcome.notStarted()) {
            throw new MongorestoreException("mongorestore engine: could not run " + executable + ": "
                    + outcome.failureText() + outcome.stderrSuffix(""), null, false, tail, outcome.failure());
        }
        if (exit != 0) {
            throw new MongorestoreException("mongorestore engine: mongorestore failed with exit code " + exit
                    + outcome.stderrSuffix(" and no stderr output"), exit, false, tail, null);
        }
        if (!tail.isEmpty()) {
            LOG.debug("mongorestore stderr:\n{}", tail);
        }
        return outcome.stderr();
    }

    private Path privateDirectory() throws IOException {
        Files.createDirectories(tempDir);
        if (posix()) {
            return Files.createTempDirectory(tempDir, "mongorestore-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return Files.createTempDirectory(tempDir, "mongorestore-");
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static List<Path> sorted(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        children.sort(Comparator.comparing((Path p) -> p.getFileName().toString()));
        return children;
    }
}
