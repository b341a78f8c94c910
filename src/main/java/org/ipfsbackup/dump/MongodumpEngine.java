package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.Masking;

import org.ipfsbackup.mongo.DumpLayout;
import org.ipfsbackup.mongo.MongoToolRunner;
import org.ipfsbackup.mongo.OplogPosition;

import com.mongodb.client.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * The dump written by the {@code mongodump} program (mongo-tools 100.x). The engine plans each run (arguments,
 * {@code --config} file); in the application the camel-exec endpoint of the {@code mongodump-exec} route carries it out
 * ({@link #withExec}, {@link MongodumpExec}), elsewhere (tests, bench) {@link MongoToolRunner} does, with the same executor
 * behaviour and the same checks ({@link MongodumpExec#check}).
 *
 * <p>Every argument comes from {@link DumpSettings}. The connection string is never on the command line (where
 * {@code ps} would show its password): it goes into a temporary {@code --config} YAML file, readable by the owner only
 * and deleted when mongodump ends. The exit code is checked, the process is killed at {@link DumpSettings#timeout()},
 * and the last lines of its stderr are carried into the {@link DumpException}.
 *
 * <p>Full dumps on a replica set: one {@code mongodump --oplog} run, mongodump's own consistent point in its own
 * layout. mongodump only accepts {@code --oplog} for a dump of the whole instance (not with {@code --db}) and has no
 * namespace exclusion, so the run also dumps the databases the selection leaves out (by default {@code admin} and the
 * manifest database): when those hold at most {@value #ONE_RUN_EXTRA_BYTES} bytes on disk their directories are
 * deleted afterwards; otherwise mongodump runs once per selected database with {@code --db} and the oplog window is
 * copied with mongodump as well ({@code mongodump -d local -c oplog.rs --query}), from a start position read before
 * the first run, checked to be the first entry copied and still in the oplog afterwards. Without an oplog it runs once
 * per selected database.
 *
 * <p>Incrementals: {@code mongodump -d local -c oplog.rs --query '{"ts":{"$gte":<previous oplogEnd>}}'}; see
 * {@link #dumpOplog}.
 *
 * <p>A dump mongodump reports as complete is checked ({@link DumpLayout#incompleteness}): a partial one fails the
 * backup like a non-zero exit code does, with the last lines of mongodump's stderr.
 */
public final class MongodumpEngine implements DumpEngine {

    public static final String NAME = "mongodump";
    private static final Logger LOG = LoggerFactory.getLogger(MongodumpEngine.class);

    private final DumpSettings settings;
    private final Path executable;
    private final Path tempDir;
    private final MongoClient sharedClient;
    /** Who carries out each run; {@code null}: {@link MongoToolRunner} here. */
    private MongodumpExec.Runner exec;

    /**
     * @param executable mongodump to run
     * @param tempDir    where the short-lived {@code --config} and {@code --queryFile} files go
     */
    public MongodumpEngine(DumpSettings settings, Path executable, Path tempDir) {
        this(settings, executable, tempDir, null);
    }

    /** As above, with a driver client (left open) for the engine's own queries (server facts, oplog positions). */
    public MongodumpEngine(DumpSettings settings, Path executable, Path tempDir, MongoClient client) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.executable = Objects.requireNonNull(executable, "executable");
        this.tempDir = Objects.requireNonNull(tempDir, "tempDir");
        this.sharedClient = client;
    }

    @Override
    public String name() {
        return NAME;
    }

    public Path executable() {
        return executable;
    }

    /**
     * Databases a whole-instance {@code mongodump --oplog} may dump beyond the selection (they are deleted from its
     * output afterwards), in bytes on disk: {@code admin} and the manifest database are excluded by default and are
     * small, and one run with {@code --oplog} is far cheaper than a run per database plus an oplog copy of our own.
     */
    static final long ONE_RUN_EXTRA_BYTES = 64L << 20;
    private long oneRunExtraBytes = ONE_RUN_EXTRA_BYTES;

    /** This engine with another limit for {@link #ONE_RUN_EXTRA_BYTES} (tests). */
    MongodumpEngine withOneRunLimit(long bytes) {
        MongodumpEngine e = new MongodumpEngine(settings, executable, tempDir, sharedClient);
        e.oneRunExtraBytes = bytes;
        e.exec = exec;
        return e;
    }

    /**
     * This engine with its runs carried out by {@code exec} (the application: the camel-exec endpoint of the
     * {@code mongodump-exec} route), which must check them as {@link MongodumpExec#check} does. The engine still plans
     * each run (arguments, the {@code --config} file) and deletes the config file afterwards, whatever happened.
     */
    public MongodumpEngine withExec(MongodumpExec.Runner exec) {
        MongodumpEngine e = new MongodumpEngine(settings, executable, tempDir, sharedClient);
        e.oneRunExtraBytes = oneRunExtraBytes;
        e.exec = Objects.requireNonNull(exec, "exec");
        return e;
    }

    @Override
    public DumpResult dumpFull(Path outDir) throws DumpException {
        return MongoAccess.dump(NAME, settings, sharedClient, outDir, (mongo, deadline) -> {
            MongoAccess.ServerInfo info = mongo.probe();
            List<String> databases = settings.select(info.databases());
            boolean withOplog = settings.oplog() && info.hasOplog() && info.replicaSet() != null;
            List<String> unselected = info.databases().stream()
                    .filter(db -> !db.equals("local") && !db.equals("config") && !databases.contains(db)).toList();
            long unselectedBytes = unselected.stream().mapToLong(info::size).sum();
            Path oplogFile = outDir.resolve(DumpLayout.OPLOG_FILE);
            OplogScan scan = null;
            MongoToolRunner.Outcome last;
            if (withOplog && (unselected.isEmpty() || unselectedBytes <= oneRunExtraBytes)) {
                // mongodump's own consistent point, in its own layout; nothing of ours touches the oplog
                last = run(fullArgs(outDir), deadline, "dump with --oplog");
                for (String db : unselected) {
                    MongoToolRunner.deleteTree(outDir.resolve(db));
                }
                requireComplete(outDir, true, last);
                scan = OplogScan.of(oplogFile, false);
            } else {
                mongo.startCausalSession(info);
                OplogPosition start = withOplog ? mongo.oplogCopyStart() : null;
                last = null;
                for (String db : databases) {
                    last = run(databaseArgs(outDir, db), deadline, "dump of database " + db);
                }
                if (start != null) {
                    last = captureOplog(start, true, outDir, oplogFile, deadline);
                    scan = OplogScan.of(oplogFile, true);
                    if (scan.first == null || !scan.first.equals(start)) {
                        throw MongoAccess.overflow(NAME, start, mongo.oldestOplog());
                    }
                    mongo.requireNoOverflow(NAME, start);
                }
                requireComplete(outDir, start != null, last);
            }
            DumpLayout.Stats stats = DumpLayout.stats(outDir);
            LOG.info("mongodump dump of {} database(s), {} collection(s), {} document(s) into {}", databases.size(),
                    stats.collections(), stats.documents(), outDir);
            return new DumpResult(NAME, databases, stats.collections(), stats.documents(), stats.bytes(),
                    scan == null ? null : scan.first, scan == null ? null : scan.last,
                    stats.oplogOperations(), info.version(), info.replicaSet(),
                    // one pass over the local .bson files mongodump wrote (not over the source)
                    org.ipfsbackup.drill.ContentDigests.ofDumpDir(outDir));
        });
    }

    /**
     * {@code mongodump -d local -c oplog.rs --query '{"ts":{"$gte":after}}'}: works on MongoDB and on FerretDB 1.24
     * (which evaluates the range on the whole oplog, as it does any filter but {@code _id} equality). The first entry
     * must be the one at {@code after} (the chain continues) and is left out.
     */
    @Override
    public DumpResult dumpOplog(OplogPosition after, Path outDir) throws DumpException {
        Objects.requireNonNull(after, "after");
        return MongoAccess.dump(NAME, settings, sharedClient, outDir, (mongo, deadline) -> {
            MongoAccess.ServerInfo info = mongo.beginOplogDump(NAME, after);
            Path oplogFile = outDir.resolve(DumpLayout.OPLOG_FILE);
            MongoToolRunner.Outcome last = captureOplog(after, false, outDir, oplogFile, deadline);
            requireComplete(outDir, true, last);
            mongo.requireOldestReaches(NAME, after);
            OplogScan scan = OplogScan.of(oplogFile, false);
            return new DumpResult(NAME, List.of(), 0, 0, Files.size(oplogFile), scan.first,
                    scan.last != null ? scan.last : after, scan.count, info.version(), info.replicaSet());
        });
    }

    /** A dump mongodump reported as complete must be: else the backup fails, naming what is missing and its stderr. */
    private static void requireComplete(Path outDir, boolean oplog, MongoToolRunner.Outcome last) throws IOException, DumpException {
        String problem = DumpLayout.incompleteness(outDir, oplog);
        if (problem != null) {
            throw new DumpException(NAME, "mongodump exited with code 0 but wrote a partial dump: " + problem
                    + (last == null ? "" : last.stderrSuffix("")), last == null ? null : last.exitCode(),
                    last == null ? null : last.tail(), false, null);
        }
    }

    // ---- arguments (from settings only) ----

    List<String> fullArgs(Path outDir) {
        List<String> args = new ArrayList<>(List.of("--out", outDir.toString(), "--oplog"));
        args.addAll(readPreferenceArgs());
        return args;
    }

    List<String> databaseArgs(Path outDir, String db) {
        List<String> args = new ArrayList<>(List.of("--out", outDir.toString(), "--db", db));
        args.addAll(readPreferenceArgs());
        return args;
    }

    List<String> oplogArgs(String query, Path outDir) {
        List<String> args = new ArrayList<>(List.of("--db", MongoAccess.OPLOG_DB, "--collection", MongoAccess.OPLOG_COLLECTION,
                "--query", query, "--out", outDir.toString()));
        args.addAll(readPreferenceArgs());
        return args;
    }

    private List<String> readPreferenceArgs() {
        List<String> args = new ArrayList<>();
        // a readPreference in the URI reaches mongodump through the config file; a flag as well would be redundant
        if (!settings.readPreferenceFromUri()) {
            args.addAll(List.of("--readPreference", settings.readPreference()));
        }
        // mongo-tools 100.10.0 ignores tlsAllowInvalidCertificates in the URI ("ignoring unsupported URI parameter")
        // and then cannot connect to a server whose certificate it does not trust (it retried for minutes, seen on the
        // stack): the flag says it (no secret in it)
        if (org.ipfsbackup.mongo.MongoConnections.tls(settings.mongoUri()).allowInvalidCertificates()) {
            args.add("--tlsInsecure");
        }
        return args;
    }

    /** {@code {"ts":{"$gte":{"$timestamp":...}}}} (with {@code "$lte"} when {@code to} is given), canonical Extended JSON. */
    static String oplogQuery(OplogPosition from, OplogPosition to) {
        return "{\"ts\":{\"$gte\":" + timestampJson(from) + (to == null ? "" : ",\"$lte\":" + timestampJson(to)) + "}}";
    }

    private static String timestampJson(OplogPosition p) {
        return "{\"$timestamp\":{\"t\":" + p.seconds() + ",\"i\":" + Integer.toUnsignedString(p.increment()) + "}}";
    }

    // ---- running mongodump ----

    /**
     * Copies the entries from {@code from} on into {@code oplogFile} with mongodump; with {@code includeFrom} all of
     * them, else all but the first, which must be the entry at {@code from} ({@link OplogGapException} if not).
     */
    private MongoToolRunner.Outcome captureOplog(OplogPosition from, boolean includeFrom, Path outDir, Path oplogFile,
                                                 Deadline deadline) throws DumpException, IOException {
        Path capture = Files.createTempDirectory(outDir, ".oplog-capture-");
        try {
            MongoToolRunner.Outcome outcome = run(oplogArgs(oplogQuery(from, null), capture), deadline, "oplog copy");
            Path written = capture.resolve(MongoAccess.OPLOG_DB).resolve(DumpLayout.fileBase(MongoAccess.OPLOG_COLLECTION) + DumpLayout.BSON);
            if (!Files.isRegularFile(written)) {
                throw new DumpException(NAME, "mongodump exited with code 0 but wrote a partial dump: no " + written
                        + outcome.stderrSuffix(""), outcome.exitCode(), outcome.tail(), false, null);
            }
            if (includeFrom) {
                Files.move(written, oplogFile, StandardCopyOption.REPLACE_EXISTING);
            } else {
                dropFirstEntry(written, from, oplogFile);
            }
            return outcome;
        } finally {
            MongoToolRunner.deleteTree(capture);
        }
    }

    /** Copies {@code source} without its first document, which must be the entry at {@code from}. */
    private static void dropFirstEntry(Path source, OplogPosition from, Path target) throws IOException, DumpException {
        OplogPosition[] first = new OplogPosition[1];
        long[] firstLength = new long[1];
        try (java.io.InputStream in = Files.newInputStream(source)) {
            byte[] len = in.readNBytes(4);
            if (len.length == 4) {
                int n = java.nio.ByteBuffer.wrap(len).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
                if (n < 5 || n > DumpLayout.MAX_DOCUMENT) {
                    throw new IOException(source + ": corrupt BSON document length " + n + " at offset 0");
                }
                byte[] doc = new byte[n];
                System.arraycopy(len, 0, doc, 0, 4);
                if (in.readNBytes(doc, 4, n - 4) != n - 4) {
                    throw new java.io.EOFException(source + ": truncated BSON document after 0 documents");
                }
                first[0] = DumpLayout.ts(new org.bson.RawBsonDocument(doc));
                firstLength[0] = n;
            }
        }
        MongoAccess.requireEntryAt(NAME, from, first[0], null);
        try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(source);
             java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(target,
                     java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            long pos = firstLength[0];
            long size = in.size();
            while (pos < size) {
                pos += in.transferTo(pos, size - pos, out);
            }
        }
    }

    private MongoToolRunner.Outcome run(List<String> args, Deadline deadline, String what) throws DumpException {
        long timeoutMs = deadline.remainingMillis();
        if (timeoutMs <= 0) {
            throw new DumpException(NAME, "did not finish within " + settings.timeout() + " (dump.timeout) before the "
                    + what, null, null, true, null);
        }
        MongoToolRunner runner = new MongoToolRunner(NAME, executable.toString(), tempDir, masker());
        Path config;
        try {
            config = runner.writeConfig(settings.mongoUri());
        } catch (IOException e) {
            throw new DumpException(NAME, "cannot write the mongodump config file in " + tempDir + ": " + e, e);
        }
        List<String> all = new ArrayList<>(args.size() + 1);
        all.add("--config=" + config);
        all.addAll(args);
        MongodumpExec.Call call = new MongodumpExec.Call(executable, config, all, timeoutMs, what,
                settings.timeout().toString(), masker());
        MongoToolRunner.Outcome outcome;
        try {
            outcome = (exec != null ? exec : (MongodumpExec.Runner) c -> MongodumpExec.check(c, runner.run(c.config(), args, c.timeoutMillis())))
                    .run(call);
        } finally {
            try {
                Files.deleteIfExists(config); // whoever ran it: the URI does not outlive the run
            } catch (IOException e) {
                LOG.warn("could not delete the mongodump config file {}: {}", config, e.toString());
            }
        }
        if (!outcome.tail().isEmpty()) {
            LOG.debug("mongodump ({}) stderr:\n{}", what, outcome.tail());
        }
        return outcome;
    }

    private java.util.function.UnaryOperator<String> masker() {
        return Masking.forUri(settings.mongoUri())::mask;
    }

    /** First and last {@code ts} and entry count of an {@code oplog.bson}, optionally checked like mongodump does. */
    private static final class OplogScan {
        OplogPosition first;
        OplogPosition last;
        long count;

        static OplogScan of(Path file, boolean validate) throws IOException, DumpException {
            OplogScan s = new OplogScan();
            String[] problem = new String[1];
            DumpLayout.forEachDocument(file, entry -> {
                OplogPosition ts = DumpLayout.ts(entry);
                if (s.first == null) {
                    s.first = ts;
                }
                s.last = ts;
                s.count++;
                if (validate && problem[0] == null) {
                    problem[0] = DumpLayout.oplogEntryProblem(entry);
                }
            });
            if (problem[0] != null) {
                throw new DumpException(NAME, problem[0]);
            }
            return s;
        }
    }
}
