package org.ipfsbackup.camel;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.mongo.Masking;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.job.JobGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds {@link JobGuard} for every job: start (lock or skip, name, work directory) into headers, clean-up, and the
 * one failure handler all dead-letter routes call. Whether a skipped job stops is decided in the routes
 * ({@code filter} on {@link BackupHeaders#SKIPPED} + {@code stop}). The job's thread is known from its start until its
 * exchange is done, so a shutdown can stop it ({@link #abort}).
 */
public class JobBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.job");
    /** The kind of job the message carries (full, incremental, retention, rekey, recovery), set at its start. */
    public static final String JOB = "IpfsJob";
    /** What failed, in words, for a job that has no failure header of its own (the checks: verification, watchdog). */
    public static final String JOB_FAILURE = "IpfsJobFailure";

    private final JobGuard guard;
    private final Duration fullWaitsFor;
    private final String compression;
    /** The jobs this instance runs now (one at a time, the lock sees to that): exchange and thread. */
    private final java.util.Map<Exchange, Thread> running = new java.util.concurrent.ConcurrentHashMap<>();
    /** The running jobs whose thread {@link #cancel} or {@link #abort} interrupted (guarded by {@code running}). */
    private final java.util.Set<Exchange> interrupted = new java.util.HashSet<>();
    /** Why this instance stops (set once by {@link #abort}); null while it runs. */
    private volatile String stopping;
    /** The cancel request of the running job ({@link #cancel}); null when none. Reset when the next job opens. */
    private volatile String cancelled;

    /** @param compression the archive codec's name, which the backup's file name carries ({@code .tar.gz} / {@code .tar.zst}) */
    public JobBinding(JobGuard guard, Duration fullWaitsFor, String compression) {
        this.guard = guard;
        this.fullWaitsFor = fullWaitsFor;
        this.compression = compression;
    }

    /**
     * Starts the backup of type {@link BackupHeaders#TYPE}. A full backup waits (up to backup.lock-wait) for a running
     * job to finish; an incremental is skipped ({@link BackupHeaders#SKIPPED}) while another job runs: a full covers it.
     */
    public void startBackup(Exchange exchange) throws InterruptedException {
        Message m = exchange.getMessage();
        String type = m.getHeader(BackupHeaders.TYPE, String.class);
        if (!"full".equals(type) && !"incremental".equals(type)) {
            throw new IllegalArgumentException("unknown backup type " + BackupHeaders.TYPE + "=" + type + " (full or incremental)");
        }
        m.setHeader(JOB, type);
        Function<Instant, String> name = t -> BackupNames.backupFile(type, t, compression);
        if ("full".equals(type)) {
            open(m, guard.start(type, fullWaitsFor, "backup.lock-wait", name));
        } else {
            start(exchange, type, name, "it covers this incremental, which is skipped");
        }
    }

    /**
     * Starts a job that never waits for the lock: its headers are set, or {@link BackupHeaders#SKIPPED} says why it
     * did not start. Returns whether it started.
     */
    public boolean start(Exchange exchange, String kind, Function<Instant, String> name, String whenSkipped) {
        Message m = exchange.getMessage();
        m.setHeader(JOB, kind);
        JobGuard.Start s = guard.tryStart(kind, name, whenSkipped);
        if (!s.ran()) {
            m.setHeader(BackupHeaders.SKIPPED, s.skipped());
            return false;
        }
        open(m, s.job());
        return true;
    }

    /**
     * Called right after a job took the lock (and got its folder): the job's headers, and its thread remembered until
     * its exchange is done. Refused (folder removed, lock released) once the instance is stopping.
     */
    private void open(Message m, JobGuard.Job job) {
        Exchange exchange = m.getExchange();
        Thread thread = Thread.currentThread();
        if (running.put(exchange, thread) == null) {
            // the job has ended when its exchange is done: after its clean-up, dead-letter steps (unpin) included
            exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    synchronized (running) {
                        running.remove(exchange);
                        if (interrupted.remove(exchange) && Thread.currentThread() == thread) {
                            // an interrupt that reached the job after its failure handler cleared it must not stay on
                            // the thread: a pooled or scheduler thread runs the next job with it
                            Thread.interrupted();
                        }
                    }
                }
            });
        }
        if (stopping != null) {
            guard.release(job.workDir(), true);
            throw new IllegalStateException("not started: " + stopping);
        }
        cancelled = null; // a request seen before this job took the lock was for the job before
        m.setHeader(BackupHeaders.NAME, job.name());
        m.setHeader(BackupHeaders.STARTED, job.started());
        m.setHeader(BackupHeaders.WORK_DIR, job.workDir().toString());
        m.setHeader(BackupHeaders.LOCK_HELD, true);
        m.getExchange().removeProperty(BackupHeaders.STEP_BYTES);
    }

    /**
     * The incremental becomes a full backup (an oplog gap: the exception caught by the route's doCatch); keeps its
     * work directory.
     */
    public void fallBackToFull(Exchange exchange) {
        Throwable gap = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        switchToFull(exchange, "incremental chain broken: " + (gap == null ? "oplog gap" : gap.getMessage()));
    }

    /** Turns the job into a full backup (no chain to continue, or the chain is broken); keeps its work directory. */
    public void switchToFull(Exchange exchange, String reason) {
        Message m = exchange.getMessage();
        Instant started = m.getHeader(BackupHeaders.STARTED, Instant.class);
        String name = BackupNames.backupFile("full", started, compression);
        LOG.warn("backup={} step=start outcome=switched-to-full backup={} reason=\"{}\"", m.getHeader(BackupHeaders.NAME), name, reason);
        m.setHeader(BackupHeaders.TYPE, "full");
        m.setHeader(BackupHeaders.NAME, name);
        m.setHeader(BackupHeaders.FALLBACK_REASON, reason);
        m.removeHeader(BackupHeaders.BASE_BACKUP);
        m.removeHeader(BackupHeaders.PREVIOUS_BACKUP);
        m.removeHeader(BackupHeaders.OPLOG_AFTER);
    }

    /** Ends any job: its work directory removed, then the lock released (when this job holds it). */
    public void cleanup(Exchange exchange) {
        Message m = exchange.getMessage();
        clearStopInterrupt();
        String dir = m.getHeader(BackupHeaders.WORK_DIR, String.class);
        guard.release(dir == null ? null : Path.of(dir), Boolean.TRUE.equals(m.removeHeader(BackupHeaders.LOCK_HELD)));
    }

    /**
     * Stops the running job, if any, because the instance stops ({@code reason}, e.g. SIGTERM): the tool processes
     * it started (mongodump and whatever they started) are stopped and its thread is interrupted, so its step fails
     * and the dead-letter route does what it does for any failure (folder removed, upload unpinned, lock released).
     * No job starts afterwards. @return whether a job was running
     */
    public boolean abort(String reason) {
        stopping = reason;
        if (running.isEmpty()) {
            return false;
        }
        java.util.Map<Exchange, Thread> jobs = java.util.Map.copyOf(running);
        jobs.forEach((exchange, thread) -> LOG.warn("backup={} outcome=stopping reason=\"{}\"",
                exchange.getMessage().getHeader(BackupHeaders.NAME), reason));
        org.ipfsbackup.mongo.ChildProcesses.TOOLS.stopAll(Duration.ofSeconds(2));
        interruptIfStillRunning(jobs);
        return true;
    }

    /**
     * Cancels the running job ({@code ipfs-backup cancel}, seen on the lock's lease, or the JMX operation): as
     * {@link #abort} does for a stop (its tool processes stopped, its thread interrupted, so its step fails and the
     * dead-letter route cleans up: folder removed, upload unpinned, lock released), but later jobs still run.
     * {@link BackupHeaders#CANCELLED} tells the dead-letter route it was cancelled. @return whether a job was running
     */
    public boolean cancel(String request) {
        // the job(s) running now: stopping the tools takes up to 2 s, in which this job may end and the next one start
        // (on another thread, or on the same pooled one); that one must not be interrupted
        java.util.Map<Exchange, Thread> jobs = java.util.Map.copyOf(running);
        if (jobs.isEmpty()) {
            return false;
        }
        cancelled = request;
        jobs.forEach((exchange, thread) -> LOG.warn("backup={} outcome=cancelling request=\"{}\"",
                exchange.getMessage().getHeader(BackupHeaders.NAME), request));
        org.ipfsbackup.mongo.ChildProcesses.TOOLS.stopAll(Duration.ofSeconds(2));
        interruptIfStillRunning(jobs);
        return true;
    }

    /**
     * Interrupts the thread of each of {@code jobs} whose exchange still runs on it; a job that has ended meanwhile
     * (its exchange done) is left alone, and so is whatever its thread runs now. Atomic with a job's end.
     */
    private void interruptIfStillRunning(java.util.Map<Exchange, Thread> jobs) {
        synchronized (running) {
            jobs.forEach((exchange, thread) -> {
                if (running.get(exchange) == thread) {
                    interrupted.add(exchange);
                    thread.interrupt();
                }
            });
        }
    }

    /** Dead-letter step of a cancelled job: says in the log that it was cancelled by request (no failure alert). */
    public void logCancelled(Exchange exchange) {
        Message m = exchange.getMessage();
        LOG.warn("job={} backup={} outcome=cancelled request=\"{}\" (cancelled on request, not a failure of the system: no alert;"
                + " nothing of it is recorded or left pinned)", m.getHeader(JOB), m.getHeader(BackupHeaders.NAME), m.getHeader(BackupHeaders.CANCELLED));
    }

    /** Waits up to {@code wait} for the running job to end (its exchange done, clean-up included); true when none runs. */
    public boolean awaitIdle(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!running.isEmpty()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /**
     * Last resort when a stopped job did not end in time: its work directory is removed and the lock released from
     * here (what its clean-up would have done); content it added and did not record is left to start-up recovery.
     */
    public void abandonRunning() {
        running.forEach((exchange, thread) -> {
            LOG.error("backup={} outcome=abandoned reason=\"did not end after it was stopped ({}); its folder is removed and the"
                    + " lock released here; an upload it made is unpinned by the next start-up recovery\"",
                    exchange.getMessage().getHeader(BackupHeaders.NAME), stopping);
            try {
                cleanup(exchange);
            } catch (RuntimeException e) {
                LOG.error("could not remove the work directory of the stopped job: {}", e.getMessage());
            }
        });
    }

    /**
     * The failure handler of every dead-letter route: says what failed (credentials masked) in the job's failure
     * header, logs it, and removes the job's temp files and releases its lock. For a backup,
     * {@link BackupHeaders#FAILED_STEP} names the step route that failed (from Camel's failure route id).
     */
    public void failed(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String step = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        Message m = exchange.getMessage();
        String kind = m.getHeader(JOB, String.class);
        String name = m.getHeader(BackupHeaders.NAME, String.class);
        String why = stopping;
        String cancel = cancelled;
        clearStopInterrupt();
        String reason = Masking.maskUri((why != null ? "stopped (" + why + "): " : cancel != null ? "cancelled (" + cancel + "): " : "")
                + JobGuard.describe(cause));
        if (cancel != null && why == null) {
            m.setHeader(BackupHeaders.CANCELLED, cancel);
            cancelled = null;
        }
        m.setHeader(failureHeader(kind), reason);
        if (failureHeader(kind).equals(BackupHeaders.FAILURE)) {
            m.setHeader(BackupHeaders.FAILED_STEP, step);
        }
        if (cancel != null && why == null) {
            LOG.warn("job={} backup={} step={} outcome=failed error={}", kind == null ? "-" : kind, name, step, reason);
        } else {
            LOG.error("job={} backup={} step={} outcome=failed error={}", kind == null ? "-" : kind, name, step, reason);
        }
        try {
            cleanup(exchange);
        } catch (RuntimeException e) {
            LOG.error("job={} backup={} could not remove its work directory or release its lock: {}", kind, name, e.getMessage());
        }
    }

    /** Where each kind of job reports its failure (what {@link BackupApplication}'s run methods read). */
    static String failureHeader(String kind) {
        if (kind == null) {
            return BackupHeaders.FAILURE; // a backup step run on its own, or a backup that failed before it started
        }
        return switch (kind) {
            case RetentionBinding.JOB -> RetentionBinding.FAILURE;
            case RekeyBinding.JOB -> RekeyBinding.FAILURE;
            case "full", "incremental" -> BackupHeaders.FAILURE;
            default -> JOB_FAILURE;
        };
    }

    /**
     * After {@link #abort} interrupted the job's thread, the interrupt has done its work once the job fails: the
     * clean-up that follows (lease release, withdraw, unpin) must still be able to talk to MongoDB and IPFS.
     */
    private void clearStopInterrupt() {
        if (stopping != null || cancelled != null) {
            Thread.interrupted();
        }
    }

    static String describe(Throwable t) {
        return JobGuard.describe(t);
    }
}
