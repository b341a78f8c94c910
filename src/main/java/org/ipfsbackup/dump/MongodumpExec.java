package org.ipfsbackup.dump;

import org.apache.camel.component.exec.ExecCommand;
import org.apache.camel.component.exec.ExecException;
import org.apache.camel.component.exec.ExecResult;
import org.apache.camel.component.exec.impl.DefaultExecCommandExecutor;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.ipfsbackup.mongo.ChildProcesses;
import org.ipfsbackup.mongo.MongoToolRunner;
import org.ipfsbackup.mongo.ToolProgress;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * One mongodump run as the {@link MongodumpEngine} plans it, and how the application carries it out: through the
 * camel-exec endpoint of the {@code mongodump-exec} route ({@code routes/backup-dump.camel.yaml}) with
 * {@link Executor} as its {@code commandExecutor}.
 */
public final class MongodumpExec {

    private MongodumpExec() {
    }

    /**
     * A planned run.
     *
     * @param executable    mongodump
     * @param config        the owner-only {@code --config} file holding the connection string (never on a command line);
     *                      deleted when the run ends, whatever its outcome
     * @param arguments     all arguments, {@code --config=<config>} first
     * @param timeoutMillis what is left of {@code dump.timeout}: SIGTERM then, SIGKILL (with its children) 5 s later
     * @param what          what this run dumps, for messages ({@code dump with --oplog}, {@code oplog copy})
     * @param timeoutText   {@code dump.timeout} as configured, for messages
     * @param masker        hides the connection string's credentials in stderr
     */
    public record Call(Path executable, Path config, List<String> arguments, long timeoutMillis, String what,
                       String timeoutText, UnaryOperator<String> masker) {
        public Call {
            arguments = List.copyOf(arguments);
        }
    }

    /** Carries out a {@link Call}, checked ({@link #check}): the default runs it here, the application in its route. */
    @FunctionalInterface
    public interface Runner {
        MongoToolRunner.Outcome run(Call call) throws DumpException;
    }

    /** The outcome of a run as camel-exec reports it: an {@link ExecResult} (from {@link Executor}) or what it threw. */
    public static MongoToolRunner.Outcome outcome(Call call, Object resultOrFailure) {
        int exit;
        String stderr;
        Throwable failure = null;
        boolean timedOut = false;
        if (resultOrFailure instanceof ExecResult r) {
            exit = r.getExitValue();
            stderr = MongoToolRunner.text(r.getStderr());
            timedOut = r instanceof Result w && w.timedOut;
        } else if (resultOrFailure instanceof ExecException e) {
            exit = e.getExitValue();
            stderr = MongoToolRunner.text(e.getStderr());
            failure = e;
        } else {
            failure = resultOrFailure instanceof Throwable t ? t : new IllegalStateException("no exec result: " + resultOrFailure);
            exit = 0;
            stderr = "";
        }
        String masked = call.masker().apply(stderr);
        String failureText = failure == null ? null
                : call.masker().apply(String.valueOf(failure.getCause() != null ? failure.getCause() : failure));
        return new MongoToolRunner.Outcome(exit, masked, MongoToolRunner.tail(masked), timedOut, failure, failureText);
    }

    /**
     * The check of every run: killed at the timeout, not started, or a non-zero exit code each fail the dump, naming the
     * last lines of stderr (credentials masked).
     */
    public static MongoToolRunner.Outcome check(Call call, MongoToolRunner.Outcome outcome) throws DumpException {
        int exit = outcome.exitCode();
        String tail = outcome.tail();
        if (outcome.timedOut()) {
            throw new DumpException(MongodumpEngine.NAME, "mongodump (" + call.what() + ") did not finish within "
                    + call.timeoutText() + " (dump.timeout) and was killed (exit code " + exit + ")" + outcome.stderrSuffix(""),
                    exit, tail, true, null);
        }
        if (outcome.notStarted()) {
            throw new DumpException(MongodumpEngine.NAME, "could not run " + call.executable() + " (" + call.what() + "): "
                    + outcome.failureText() + outcome.stderrSuffix(""), null, tail, false, null);
        }
        if (exit == org.apache.commons.exec.Executor.INVALID_EXITVALUE) {
            // commons-exec's 0xDEADBEEF: no exit code was read
            throw new DumpException(MongodumpEngine.NAME, "mongodump (" + call.what() + ") ended without an exit code: the wait for"
                    + " it was interrupted (the job was cancelled or the instance is stopping) or its output did not close"
                    + outcome.stderrSuffix(""), exit, tail, false, null);
        }
        if (exit != 0) {
            throw new DumpException(MongodumpEngine.NAME, "mongodump (" + call.what() + ") failed with exit code " + exit
                    + outcome.stderrSuffix(" and no stderr output"), exit, tail, false, null);
        }
        return outcome;
    }

    /** A run that ended with an exit code, and whether the watchdog ended it. */
    public static final class Result extends ExecResult {
        private final boolean timedOut;

        Result(ExecCommand command, InputStream stdout, InputStream stderr, int exitValue, boolean timedOut) {
            super(command, stdout, stderr, exitValue);
            this.timedOut = timedOut;
        }

        public boolean timedOut() {
            return timedOut;
        }
    }

    /**
     * camel-exec's executor for the mongo tools, one instance for all runs (a bean): a run that started ends as a
     * {@link Result} whatever its exit code, telling a kill at the timeout (SIGTERM, then SIGKILL for it and its
     * children after {@link MongoToolRunner.ForcefulWatchdog}'s grace) from a plain exit; only a program that could
     * not be started throws ({@link ExecException}). Shutdown stops running tools ({@link ChildProcesses#TOOLS}).
     */
    public static final class Executor extends DefaultExecCommandExecutor {
        /** The watchdog of the run in progress on this thread (camel-exec prepares and runs on the caller's thread). */
        private final ThreadLocal<ExecuteWatchdog> watchdog = new ThreadLocal<>();
        /** The executor of that run and the progress summary of its stderr ({@link ToolProgress}). */
        private final ThreadLocal<DefaultExecutor> executor = new ThreadLocal<>();
        private final ThreadLocal<ToolProgress> progress = new ThreadLocal<>();

        @Override
        public ExecResult execute(ExecCommand command) {
            Objects.requireNonNull(command, "command");
            try {
                ExecResult r = super.execute(command);
                return new Result(command, r.getStdout(), r.getStderr(), r.getExitValue(), killed());
            } catch (ExecException e) {
                if (e.getCause() instanceof ExecuteException) {
                    return new Result(command, e.getStdout(), e.getStderr(), e.getExitValue(), killed());
                }
                throw e;
            } finally {
                watchdog.remove();
                executor.remove();
                ToolProgress p = progress.get();
                progress.remove();
                if (p != null) {
                    p.finish();
                }
            }
        }

        /**
         * Called by camel-exec after it set the stream handler that collects stderr: stderr is also read, line by
         * line as mongodump writes it, into the progress line.
         */
        @Override
        protected org.apache.commons.exec.CommandLine toCommandLine(ExecCommand command) {
            DefaultExecutor e = executor.get();
            if (e != null && e.getStreamHandler() != null) {
                ToolProgress p = ToolProgress.startMongodump(command.getArgs().stream().anyMatch(a -> a.equals("--oplog"))
                        ? "dump with --oplog" : command.getArgs().contains(MongoAccess.OPLOG_COLLECTION) ? "oplog copy" : "dump");
                progress.set(p);
                MongoToolRunner.teeStderr(e, p);
            }
            return super.toCommandLine(command);
        }

        private boolean killed() {
            ExecuteWatchdog w = watchdog.get();
            return w != null && w.killedProcess();
        }

        @Override
        protected DefaultExecutor prepareDefaultExecutor(ExecCommand command) {
            DefaultExecutor executor = super.prepareDefaultExecutor(command);
            executor.setProcessDestroyer(ChildProcesses.TOOLS);
            if (command.getTimeout() > 0) {
                executor.setWatchdog(new MongoToolRunner.ForcefulWatchdog(command.getTimeout()));
            }
            watchdog.set(executor.getWatchdog());
            this.executor.set(executor);
            return executor;
        }
    }
}
