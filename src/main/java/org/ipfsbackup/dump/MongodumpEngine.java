package org.ipfsbackup.dump;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import org.bson.BSONException;
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
 * The dump written by the {@code mongodump} program (mongo-tools 100.x), run through camel-exec's executor by
 * {@link MongoToolRunner}.
 *
 * <p>Every argument comes from {@link DumpSettings}. The connection string is never on the command line (where
 * {@code ps} would show its password): it goes into a temporary {@code --config} YAML file, readable by the owner only
 * and deleted when mongodump ends. The exit code is checked, the process is killed at {@link DumpSettings#timeout()},
 * and the last lines of its stderr are carried into the {@link DumpException}.
 *
 * <p>Full dumps: mongodump only accepts {@code --oplog} for a dump of the whole instance (it refuses it together with
 * {@code --db}), and such a dump includes {@code admin}. So when the selection is exactly what a whole-instance dump
 * takes (every database but {@code local} and {@code config}) on a replica set, one {@code mongodump --oplog} run does
 * it all. Otherwise (the default excludes {@code admin}) mongodump runs once per selected database with {@code --db},
 * and the oplog window is captured the way {@code --oplog} does it, with mongodump as well: the start position is
 * read before the first run, the end after the last, the start is checked to still be in the oplog, and
 * {@code mongodump --db local --collection oplog.rs --queryFile} copies {@code start <= ts <= end} to
 * {@code oplog.bson}.
 */
public final class MongodumpEngine implements DumpEngine {

    public static final String NAME = "mongodump";
    private static final Logger LOG = LoggerFactory.getLogger(MongodumpEngine.class);

    private final DumpSettings settings;
    private final Path executable;
    private final Path tempDir;
    private final MongoClient sharedClient;

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

    @Override
    public DumpResult dumpFull(Path outDir) throws DumpException {
        Deadline deadline = new Deadline(settings.timeout());
        DumpLayout.prepareOutDir(NAME, outDir);
        try (MongoAccess mongo = MongoAccess.open(settings, sharedClient)) {
            MongoAccess.ServerInfo info = mongo.probe();
            List<String> databases = settings.select(info.databases());
            boolean withOplog = settings.oplog() && info.hasOplog();
            mongo.startCausalSession(info);

            List<String> wholeInstance = info.databases().stream()
                    .filter(db -> !db.equals("local") && !db.equals("config")).toList();
            OplogPosition start;
            OplogScan scan = null;
            if (withOplog && info.replicaSet() != null && new HashSet<>(databases).equals(new HashSet<>(wholeInstance))) {
                start = mongo.newestOplog();
                run(fullArgs(outDir), deadline, "whole-instance dump with --oplog");
                Path oplogFile = outDir.resolve(DumpLayout.OPLOG_FILE);
                scan = Files.isRegularFile(oplogFile) ? OplogScan.of(oplogFile, false) : new OplogScan();
            } else {
                start = withOplog ? mongo.oplogCopyStart() : null;
                for (String db : databases) {
                    run(databaseArgs(outDir, db), deadline, "dump of database " + db);
                }
                if (start != null) {
                    OplogPosition end = mongo.newestOplog();
                    mongo.requireNoOverflow(NAME, start);
                    Path oplogFile = outDir.resolve(DumpLayout.OPLOG_FILE);
                    captureOplog(oplogQuery(start, true, end), outDir, oplogFile, deadline);
                    mongo.requireNoOverflow(NAME, start);
                    scan = OplogScan.of(oplogFile, true);
                }
            }
            DumpLayout.Stats stats = DumpLayout.stats(outDir);
            OplogPosition first = scan == null ? null : scan.first != null ? scan.first : start;
            OplogPosition last = scan == null ? null : scan.last != null ? scan.last : start;
            LOG.info("mongodump dump of {} database(s), {} collection(s), {} document(s) into {}", databases.size(),
                    stats.collections(), stats.documents(), outDir);
            return new DumpResult(NAME, databases, stats.collections(), stats.documents(), stats.bytes(), first, last,
                    stats.oplogOperations(), info.version(), info.replicaSet());
        } catch (MongoException | BSONException | IllegalStateException e) {
            throw new DumpException(NAME, Secrets.mask(e.getMessage(), settings.mongoUri()), null, null, deadline.passed(), e);
        } catch (IOException e) {
            throw new DumpException(NAME, "reading back " + outDir + " failed: " + e, e);
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
            Path oplogFile = outDir.resolve(DumpLayout.OPLOG_FILE);
            if (end == null || end.compareTo(after) <= 0) {
                Files.createFile(oplogFile);
            } else {
                captureOplog(oplogQuery(after, false, end), outDir, oplogFile, deadline);
            }
            mongo.requireOplogReaches(NAME, after);
            OplogScan scan = OplogScan.of(oplogFile, false);
            return new DumpResult(NAME, List.of(), 0, 0, Files.size(oplogFile), scan.first,
                    scan.last != null ? scan.last : after, scan.count, info.version(), info.replicaSet());
        } catch (MongoException | BSONException | IllegalStateException e) {
            throw new DumpException(NAME, Secrets.mask(e.getMessage(), settings.mongoUri()), null, null, deadline.passed(), e);
        } catch (IOException e) {
            throw new DumpException(NAME, "writing " + outDir + " failed: " + e, e);
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

    List<String> oplogArgs(Path queryFile, Path outDir) {
        List<String> args = new ArrayList<>(List.of("--db", MongoAccess.OPLOG_DB, "--collection", MongoAccess.OPLOG_COLLECTION,
                "--queryFile", queryFile.toString(), "--out", outDir.toString()));
        args.addAll(readPreferenceArgs());
        return args;
    }

    private List<String> readPreferenceArgs() {
        // a readPreference in the URI reaches mongodump through the config file; a flag as well would be redundant
        return settings.readPreferenceFromUri() ? List.of() : List.of("--readPreference", settings.readPreference());
    }

    /** {@code {"ts":{"$gt"|"$gte":{"$timestamp":...},"$lte":{"$timestamp":...}}}} as canonical Extended JSON. */
    static String oplogQuery(OplogPosition from, boolean inclusive, OplogPosition to) {
        return "{\"ts\":{\"" + (inclusive ? "$gte" : "$gt") + "\":" + timestampJson(from) + ",\"$lte\":" + timestampJson(to) + "}}";
    }

    private static String timestampJson(OplogPosition p) {
        return "{\"$timestamp\":{\"t\":" + p.seconds() + ",\"i\":" + Integer.toUnsignedString(p.increment()) + "}}";
    }

    // ---- running mongodump ----

    private void captureOplog(String query, Path outDir, Path oplogFile, Deadline deadline) throws DumpException, IOException {
        Path capture = Files.createTempDirectory(outDir, ".oplog-capture-");
        Path queryFile = MongoToolRunner.privateFile(tempDir, "mongodump-query-", ".json", query);
        try {
            run(oplogArgs(queryFile, capture), deadline, "oplog copy");
            Path written = capture.resolve(MongoAccess.OPLOG_DB).resolve(DumpLayout.fileBase(MongoAccess.OPLOG_COLLECTION) + DumpLayout.BSON);
            if (!Files.isRegularFile(written)) {
                throw new DumpException(NAME, "mongodump reported success but wrote no " + written);
            }
            Files.move(written, oplogFile, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(queryFile);
            MongoToolRunner.deleteTree(capture);
        }
    }

    private void run(List<String> args, Deadline deadline, String what) throws DumpException {
        long timeoutMs = deadline.remainingMillis();
        if (timeoutMs <= 0) {
            throw new DumpException(NAME, "did not finish within " + settings.timeout() + " (dump.timeout) before the "
                    + what, null, null, true, null);
        }
        MongoToolRunner runner = new MongoToolRunner(NAME, executable.toString(), tempDir,
                text -> Secrets.mask(text, settings.mongoUri()));
        Path config;
        try {
            config = runner.writeConfig(settings.mongoUri());
        } catch (IOException e) {
            throw new DumpException(NAME, "cannot write the mongodump config file in " + tempDir + ": " + e, e);
        }
        MongoToolRunner.Outcome outcome = runner.run(config, args, timeoutMs);
        int exit = outcome.exitCode();
        String tail = outcome.tail();
        if (outcome.timedOut()) {
            throw new DumpException(NAME, "mongodump (" + what + ") did not finish within " + settings.timeout()
                    + " (dump.timeout) and was killed (exit code " + exit + ")" + outcome.stderrSuffix(""),
                    exit, tail, true, null);
        }
        if (outcome.notStarted()) {
            throw new DumpException(NAME, "could not run " + executable + " (" + what + "): " + outcome.failureText()
                    + outcome.stderrSuffix(""), null, tail, false, null);
        }
        if (exit != 0) {
            throw new DumpException(NAME, "mongodump (" + what + ") failed with exit code " + exit
                    + outcome.stderrSuffix(" and no stderr output"), exit, tail, false, null);
        }
        if (!tail.isEmpty()) {
            LOG.debug("mongodump ({}) stderr:\n{}", what, tail);
        }
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
