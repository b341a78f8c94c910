package org.ipfsbackup.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoCredential;
import org.apache.camel.LoggingLevel;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Runs one mongo-tools program ({@code mongodump}, {@code mongorestore}) through camel-exec's executor, as both
 * tool engines do; what the program is asked to do, and what a failure means, stay with the engine.
 *
 * <p>The connection string is never on the command line (where {@code ps} would show its password): it goes into a
 * {@code --config} YAML file ({@link #writeConfig}), readable by the owner only, which {@link #run} passes first and
 * deletes when the program ends. The program is killed at the timeout; the {@link Outcome} tells a kill from a
 * failed start and from a plain exit code, and carries stderr with credentials masked.
 */
public final class MongoToolRunner {

    private static final Logger LOG = LoggerFactory.getLogger(MongoToolRunner.class);
    static final int STDERR_TAIL_LINES = 15;
    static final int STDERR_TAIL_CHARS = 4000;

    private final String tool;
    private final String executable;
    private final Path workDir;
    private final UnaryOperator<String> masker;
    private final java.io.OutputStream stderrObserver;

    /**
     * @param tool       the program's name ({@code mongodump}), for file names and log lines
     * @param executable what to run (a path, or a name looked up on PATH by the operating system)
     * @param workDir    the program's working directory, and where the {@code --config} file goes
     * @param masker     hides credentials in stderr and in a start failure's text
     */
    public MongoToolRunner(String tool, String executable, Path workDir, UnaryOperator<String> masker) {
        this(tool, executable, workDir, masker, null);
    }

    private MongoToolRunner(String tool, String executable, Path workDir, UnaryOperator<String> masker,
                            java.io.OutputStream stderrObserver) {
        this.tool = Objects.requireNonNull(tool, "tool");
        this.executable = Objects.requireNonNull(executable, "executable");
        this.workDir = Objects.requireNonNull(workDir, "workDir");
        this.masker = Objects.requireNonNull(masker, "masker");
        this.stderrObserver = stderrObserver;
    }

    /**
     * This runner, but {@link #run} also writes the program's stderr into {@code observer} as the program writes it
     * (unmasked: for a summary such as {@link ToolProgress}, not for printing as is); the {@link Outcome} still has
     * all of it. {@code observer} is not closed.
     */
    public MongoToolRunner withStderrObserver(java.io.OutputStream observer) {
        return new MongoToolRunner(tool, executable, workDir, masker, Objects.requireNonNull(observer, "observer"));
    }

    /**
     * How one run ended.
     *
     * @param exitCode    the program's exit code (0 when it could not be started)
     * @param stderr      all of stderr, credentials masked
     * @param tail        the last lines of {@code stderr} ({@link #tail(String)})
     * @param timedOut    killed at the timeout
     * @param failure     what camel-exec threw, or {@code null}
     * @param failureText {@code failure}'s cause (or itself) as text, credentials masked; {@code null} without failure
     */
    public record Outcome(int exitCode, String stderr, String tail, boolean timedOut, Throwable failure,
                          String failureText) {

        /** The run failed without an exit code: the program could not be started. */
        public boolean notStarted() {
            return failure != null && exitCode == 0;
        }

        /** {@code "; stderr:\n<tail>"}, or {@code none} when stderr was empty. */
        public String stderrSuffix(String none) {
            return tail.isEmpty() ? none : "; stderr:\n" + tail;
        }
    }

    /**
     * The {@code --config} file for {@code uri} ({@link #uriForTools}, {@link #configYaml}), owner-only, in the work
     * directory.
     *
     * @throws IllegalArgumentException when {@code uri} is not a valid connection string (no file is written)
     */
    public Path writeConfig(String uri) throws IOException {
        String yaml = configYaml(uriForTools(uri));
        return privateFile(workDir, tool + "-", ".yaml", yaml);
    }

    /**
     * Runs the program with {@code --config=<config>} followed by {@code args}, killing it after
     * {@code timeoutMillis}, and deletes {@code config} when it ends.
     */
    public Outcome run(Path config, List<String> args, long timeoutMillis) {
        List<String> full = new ArrayList<>(args.size() + 1);
        full.add("--config=" + config);
        full.addAll(args);
        LOG.debug("running {} {}", executable, full);

        WatchedExecutor executor = new WatchedExecutor(stderrObserver);
        int exit;
        String stderr;
        Throwable failure = null;
        try {
            ExecCommand command = new ExecCommand(executable, full, workDir.toString(), timeoutMillis, Set.of(),
                    null, null, false, LoggingLevel.DEBUG);
            ExecResult result = executor.execute(command);
            exit = result.getExitValue();
            stderr = text(result.getStderr());
        } catch (ExecException e) {
            exit = e.getExitValue();
            stderr = text(e.getStderr());
            failure = e;
        } finally {
            try {
                Files.deleteIfExists(config);
            } catch (IOException e) {
                LOG.warn("could not delete the {} config file {}: {}", tool, config, e.toString());
            }
        }
        String masked = masker.apply(stderr);
        String failureText = failure == null ? null
                : masker.apply(String.valueOf(failure.getCause() != null ? failure.getCause() : failure));
        return new Outcome(exit, masked, tail(masked), executor.timedOut(), failure, failureText);
    }

    // ---- helpers ----

    /**
     * The URI as mongo-tools must get it: without a database path. mongo-tools takes the URI's database for
     * {@code --db} (a path database turns a whole-instance dump into a one-database dump, conflicts with {@code --db}
     * for any other database, and is refused together with {@code --oplogReplay}). Where that path also named the
     * authentication database it becomes {@code authSource}.
     */
    public static String uriForTools(String uri) {
        ConnectionString cs = org.ipfsbackup.mongo.MongoConnections.connectionString(uri);
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

    /** The mongo-tools {@code --config} file: just the URI, as a double-quoted YAML scalar. */
    public static String configYaml(String uri) {
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

    /** A new file in {@code dir} (created if missing) holding {@code content}, readable by its owner only (POSIX). */
    public static Path privateFile(Path dir, String prefix, String suffix, String content) throws IOException {
        Files.createDirectories(dir);
        Path file;
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            file = Files.createTempFile(dir, prefix, suffix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            file = Files.createTempFile(dir, prefix, suffix);
        }
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    /** Deletes {@code dir} and everything below it; nothing when it does not exist. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The last lines of {@code text}, at most {@value #STDERR_TAIL_LINES} lines and {@value #STDERR_TAIL_CHARS} characters. */
    public static String tail(String text) {
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

    /** All of {@code in} as UTF-8 text (closed); empty for {@code null} or a read failure. */
    public static String text(InputStream in) {
        if (in == null) {
            return "";
        }
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Makes {@code executor}'s stream handler (camel-exec's, which collects stderr) also write stderr into
     * {@code observer} as it is read; nothing when the executor has no stream handler yet.
     */
    public static void teeStderr(DefaultExecutor executor, java.io.OutputStream observer) {
        if (executor == null || executor.getStreamHandler() == null) {
            return;
        }
        org.apache.commons.exec.ExecuteStreamHandler collecting = executor.getStreamHandler();
        java.io.OutputStream safe = new SafeObserver(observer);
        executor.setStreamHandler(new org.apache.commons.exec.ExecuteStreamHandler() {
            @Override
            public void setProcessInputStream(java.io.OutputStream os) throws IOException {
                collecting.setProcessInputStream(os);
            }

            @Override
            public void setProcessErrorStream(InputStream is) throws IOException {
                collecting.setProcessErrorStream(new org.apache.commons.io.input.TeeInputStream(is, safe, false));
            }

            @Override
            public void setProcessOutputStream(InputStream is) throws IOException {
                collecting.setProcessOutputStream(is);
            }

            @Override
            public void start() throws IOException {
                collecting.start();
            }

            @Override
            public void stop() throws IOException {
                collecting.stop();
            }
        });
    }

    /**
     * An observer of a tool's stderr that can never fail the run: the first exception it throws turns it off (logged
     * once); the program's stderr is still collected in full.
     */
    static final class SafeObserver extends java.io.OutputStream {
        private final java.io.OutputStream observer;
        private volatile boolean off;

        SafeObserver(java.io.OutputStream observer) {
            this.observer = observer;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int offset, int length) {
            if (off) {
                return;
            }
            try {
                observer.write(b, offset, length);
            } catch (Exception | Error e) {
                off = true;
                LOG.warn("stderr observer turned off (the run goes on): {}", e.toString());
            }
        }
    }

    /** How long a program has after SIGTERM at the timeout before it (and its children) get SIGKILL. */
    static final long KILL_GRACE_MILLIS = 5_000;

    /**
     * camel-exec's executor with a watchdog that really ends the program at the timeout, remembering it so a kill at
     * the timeout can be told from a plain failure.
     */
    private static final class WatchedExecutor extends DefaultExecCommandExecutor {
        private final java.io.OutputStream stderrObserver;
        private ExecuteWatchdog watchdog;
        private DefaultExecutor executor;

        WatchedExecutor(java.io.OutputStream stderrObserver) {
            this.stderrObserver = stderrObserver;
        }

        /** Called by camel-exec after it set the stream handler that collects stderr. */
        @Override
        protected org.apache.commons.exec.CommandLine toCommandLine(ExecCommand command) {
            if (stderrObserver != null) {
                teeStderr(executor, stderrObserver);
            }
            return super.toCommandLine(command);
        }

        @Override
        protected DefaultExecutor prepareDefaultExecutor(ExecCommand command) {
            DefaultExecutor executor = super.prepareDefaultExecutor(command);
            executor.setProcessDestroyer(ChildProcesses.TOOLS); // a shutdown stops it (ChildProcesses.stopAll)
            if (command.getTimeout() > 0) {
                executor.setWatchdog(new ForcefulWatchdog(command.getTimeout()));
            }
            watchdog = executor.getWatchdog();
            this.executor = executor;
            return executor;
        }

        boolean timedOut() {
            return watchdog != null && watchdog.killedProcess();
        }
    }

    /**
     * commons-exec's watchdog sends SIGTERM once; mongo-tools take a first SIGTERM as "stop after the current
     * collection" and only exit on a second signal, so a mongodump waiting for a server (seen with the real 100.10.0:
     * minutes past serverSelectionTimeoutMS) outlives it. This one follows up with SIGKILL, for the program and its
     * children, when it is still alive {@value #KILL_GRACE_MILLIS} ms later.
     */
    @SuppressWarnings("deprecation") // ExecuteWatchdog(long): the builder gives no way to subclass
    public static final class ForcefulWatchdog extends ExecuteWatchdog {
        private volatile Process process;

        public ForcefulWatchdog(long timeoutMillis) {
            super(timeoutMillis);
        }

        @Override
        public synchronized void start(Process p) {
            this.process = p;
            super.start(p);
        }

        @Override
        public synchronized void timeoutOccured(org.apache.commons.exec.Watchdog w) {
            Process p = process;
            super.timeoutOccured(w);
            if (p == null) {
                return;
            }
            Thread killer = new Thread(() -> {
                try {
                    if (!p.waitFor(KILL_GRACE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        LOG.warn("{} did not end within {} ms of SIGTERM at the timeout: SIGKILL", p.pid(), KILL_GRACE_MILLIS);
                        p.descendants().forEach(ProcessHandle::destroyForcibly);
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }, "mongo-tool-kill");
            killer.setDaemon(true);
            killer.start();
        }
    }
}
