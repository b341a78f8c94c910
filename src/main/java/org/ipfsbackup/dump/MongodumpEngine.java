package org.ipfsbackup.dump;

import com.mongodb.ConnectionString;
import com.mongodb.MongoCredential;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import org.apache.camel.LoggingLevel;
import org.bson.BSONException;
import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;
import org.apache.camel.component.exec.impl.DefaultExecCommandExecutor;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteWatchdog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The dump written by the {@code mongodump} program (mongo-tools 100.x), run through camel-exec's executor.
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
    private static final int STDERR_TAIL_LINES = 15;
    private static final int STDERR_TAIL_CHARS = 4000;

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
            MongoAccess.ServerInfo info = mongo.probe();
            if (!info.hasOplog()) {
                throw new DumpException(NAME, "the server has no local.oplog.rs (not a replica set member), so there is no oplog to dump");
            }
            mongo.startCausalSession(info);
            mongo.requireOplogReaches(NAME, after);
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

    /**
     * The URI as mongodump must get it: without a database path. mongo-tools treats the URI's database as {@code --db}
     * (a path database turns a whole-instance dump into a one-database dump, and conflicts with {@code --db} for any
     * other database). Where that path also named the authentication database it becomes {@code authSource}.
     */
    static String uriForMongodump(String uri) {
        ConnectionString cs = new ConnectionString(uri);
        String db = cs.getDatabase();
        if (db == null || db.isEmpty()) {
            return uri;
        }
        int hostsStart = uri.indexOf("://") + 3;
        int slash = uri.indexOf('/', hostsStart);
        int query = uri.indexOf('?', slash);
        String options = query < 0 ? "" : uri.substring(query + 1);
        boolean explicitAuthSource = Arrays.stream(options.split("&"))
                .anyMatch(o -> o.toLowerCase(Locale.ROOT).startsWith("authsource="));
        MongoCredential credential = cs.getCredential();
        if (credential != null && !explicitAuthSource && db.equals(credential.getSource())) {
            options = "authSource=" + URLEncoder.encode(db, StandardCharsets.UTF_8) + (options.isEmpty() ? "" : "&" + options);
        }
        return uri.substring(0, slash) + "/" + (options.isEmpty() ? "" : "?" + options);
    }

    /** The mongodump {@code --config} file: just the URI, as a double-quoted YAML scalar. */
    static String configYaml(String uri) {
        StringBuilder sb = new StringBuilder("uri: \"");
        for (char c : uri.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        sb.append(String.format("\\x%02X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append("\"\n").toString();
    }

    // ---- running mongodump ----

    private void captureOplog(String query, Path outDir, Path oplogFile, Deadline deadline) throws DumpException, IOException {
        Path capture = Files.createTempDirectory(outDir, ".oplog-capture-");
        Path queryFile = privateFile("mongodump-query-", ".json", query);
        try {
            run(oplogArgs(queryFile, capture), deadline, "oplog copy");
            Path written = capture.resolve(MongoAccess.OPLOG_DB).resolve(DumpLayout.fileBase(MongoAccess.OPLOG_COLLECTION) + DumpLayout.BSON);
            if (!Files.isRegularFile(written)) {
                throw new DumpException(NAME, "mongodump reported success but wrote no " + written);
            }
            Files.move(written, oplogFile, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(queryFile);
            deleteTree(capture);
        }
    }

    private void run(List<String> args, Deadline deadline, String what) throws DumpException {
        long timeoutMs = deadline.remainingMillis();
        if (timeoutMs <= 0) {
            throw new DumpException(NAME, "did not finish within " + settings.timeout() + " (dump.timeout) before the "
                    + what, null, null, true, null);
        }
        Path config;
        try {
            config = privateFile("mongodump-", ".yaml", configYaml(uriForMongodump(settings.mongoUri())));
        } catch (IOException e) {
            throw new DumpException(NAME, "cannot write the mongodump config file in " + tempDir + ": " + e, e);
        }
        List<String> full = new ArrayList<>(args.size() + 1);
        full.add("--config=" + config);
        full.addAll(args);
        LOG.debug("running {} {}", executable, full);

        WatchedExecutor executor = new WatchedExecutor();
        int exit;
        String stderr;
        Throwable cause = null;
        try {
            ExecCommand command = new ExecCommand(executable.toString(), full, tempDir.toString(), timeoutMs, Set.of(),
                    null, null, false, LoggingLevel.DEBUG);
            ExecResult result = executor.execute(command);
            exit = result.getExitValue();
            stderr = text(result.getStderr());
        } catch (ExecException e) {
            exit = e.getExitValue();
            stderr = text(e.getStderr());
            cause = e;
        } finally {
            try {
                Files.deleteIfExists(config);
            } catch (IOException e) {
                LOG.warn("could not delete the mongodump config file {}: {}", config, e.toString());
            }
        }
        String tail = tail(Secrets.mask(stderr, settings.mongoUri()));
        if (executor.timedOut()) {
            throw new DumpException(NAME, "mongodump (" + what + ") did not finish within " + settings.timeout()
                    + " (dump.timeout) and was killed (exit code " + exit + ")" + (tail.isEmpty() ? "" : "; stderr:\n" + tail),
                    exit, tail, true, null);
        }
        if (cause != null && exit == 0) {
            throw new DumpException(NAME, "could not run " + executable + " (" + what + "): "
                    + Secrets.mask(String.valueOf(cause.getCause() != null ? cause.getCause() : cause), settings.mongoUri())
                    + (tail.isEmpty() ? "" : "; stderr:\n" + tail), null, tail, false, null);
        }
        if (exit != 0) {
            throw new DumpException(NAME, "mongodump (" + what + ") failed with exit code " + exit
                    + (tail.isEmpty() ? " and no stderr output" : "; stderr:\n" + tail), exit, tail, false, null);
        }
        if (!tail.isEmpty()) {
            LOG.debug("mongodump ({}) stderr:\n{}", what, tail);
        }
    }

    private Path privateFile(String prefix, String suffix, String content) throws IOException {
        Files.createDirectories(tempDir);
        Path file;
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            file = Files.createTempFile(tempDir, prefix, suffix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            file = Files.createTempFile(tempDir, prefix, suffix);
        }
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    private static String text(InputStream in) {
        if (in == null) {
            return "";
        }
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of {@code text}, at most {@value #STDERR_TAIL_CHARS} characters. */
    static String tail(String text) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String[] lines = text.strip().split("\\R");
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, lines.length - STDERR_TAIL_LINES); i < lines.length; i++) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(lines[i]);
        }
        return sb.length() > STDERR_TAIL_CHARS ? "..." + sb.substring(sb.length() - STDERR_TAIL_CHARS) : sb.toString();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
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

    /** camel-exec's executor, remembering its watchdog so a kill at the timeout can be told from a plain failure. */
    private static final class WatchedExecutor extends DefaultExecCommandExecutor {
        private ExecuteWatchdog watchdog;

        @Override
        protected DefaultExecutor prepareDefaultExecutor(ExecCommand command) {
            DefaultExecutor executor = super.prepareDefaultExecutor(command);
            watchdog = executor.getWatchdog();
            return executor;
        }

        boolean timedOut() {
            return watchdog != null && watchdog.killedProcess();
        }
    }
}
