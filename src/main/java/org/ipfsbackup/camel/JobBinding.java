package org.ipfsbackup.camel;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.config.Masking;
import org.ipfsbackup.job.BackupLock;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.job.WorkDirectories;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a job (name, work directory), ends it (clean-up), and turns a failure into words for the dead-letter route.
 *
 * <p>Every job (backup, retention, rekey, recovery) goes through {@link #lockTaken}: only the holder of the job lock,
 * after taking it, removes job folders left behind, and only those whose owner no longer runs a job; then its own
 * folder records this instance as owner ({@link #workDir}). The job's thread is known until {@link #cleanup}, so a
 * shutdown can stop it ({@link #abort}).
 */
public class JobBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.job");
    private final WorkDirectories workDirs;
    private final Clock clock;
    private final BackupLock lock;
    private final Duration fullWaitsFor;

    private final String compression;
    /** The jobs this instance runs now (one at a time, the lock sees to that): exchange and thread. */
    private final java.util.Map<Exchange, Thread> running = new java.util.concurrent.ConcurrentHashMap<>();
    /** Why this instance stops (set once by {@link #abort}); null while it runs. */
    private volatile String stopping;

    public JobBinding(WorkDirectories workDirs, Clock clock, BackupLock lock, Duration fullWaitsFor) {
        this(workDirs, clock, lock, fullWaitsFor, org.ipfsbackup.archive.Compression.GZIP);
    }

    /** @param compression the archive codec's name, which the backup's file name carries ({@code .tar.gz} / {@code .tar.zst}) */
    public JobBinding(WorkDirectories workDirs, Clock clock, BackupLock lock, Duration fullWaitsFor, String compression) {
        this.compression = compression;
        this.workDirs = workDirs;
        this.clock = clock;
        this.lock = lock;
        this.fullWaitsFor = fullWaitsFor;
    }

    /** A full backup waits (up to backup.lock-wait) for a running incremental to finish. */
    public void startFull(Exchange exchange) throws InterruptedException {
        if (!lock.acquire("full", fullWaitsFor)) {
            throw new IllegalStateException("another backup (" + lock.holder() + ") is still running after "
                    + fullWaitsFor.toMinutes() + " min (backup.lock-wait): this full backup did not run");
        }
        lockTaken(exchange);
        start(exchange, "full");
    }

    /** An incremental is skipped when a full (or another incremental) is running: the full covers it. */
    public void startIncremental(Exchange exchange) {
        if (!lock.tryAcquire("incremental")) {
            String reason = "a " + lock.holder() + " backup is running; it covers this incremental, which is skipped";
            LOG.info("step=start type=incremental outcome=skipped reason=\"{}\"", reason);
            exchange.getMessage().setHeader(BackupHeaders.SKIPPED, reason);
            exchange.setRouteStop(true);
            return;
        }
        lockTaken(exchange);
        start(exchange, "incremental");
    }

    /**
     * Called right after a job took the lock: marks the lock as held by this exchange, removes the job folders left by
     * jobs that no longer run (their owner holds no live lease; this instance runs no other job) and remembers the
     * job's thread. Refused (lock released) once the instance is stopping.
     */
    public void lockTaken(Exchange exchange) {
        exchange.getMessage().setHeader(BackupHeaders.LOCK_HELD, true);
        if (running.put(exchange, Thread.currentThread()) == null) {
            // the job has ended when its exchange is done: after its clean-up, dead-letter steps (unpin) included
            exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    running.remove(exchange);
                }
            });
        }
        if (stopping != null) {
            cleanup(exchange);
            throw new IllegalStateException("not started: " + stopping);
        }
        String me = lock.owner();
        for (Path p : workDirs.removeLeftovers(owner -> !owner.equals(me) && lock.runsJob(owner))) {
            LOG.warn("removed temp files left by an interrupted job: {}", p);
        }
    }

    /** Creates the job's private work directory, owned by this instance; sets the job's name and directory headers. */
    public Path workDir(Exchange exchange, String name) {
        Path dir = workDirs.create(name, lock.owner());
        exchange.getMessage().setHeader(BackupHeaders.NAME, name);
        exchange.getMessage().setHeader(BackupHeaders.WORK_DIR, dir.toString());
        return dir;
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

    void start(Exchange exchange, String type) {
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String name = BackupNames.backupFile(type, now, compression);
        Path dir = workDir(exchange, name);
        Message m = exchange.getMessage();
        m.setHeader(BackupHeaders.TYPE, type);
        m.setHeader(BackupHeaders.STARTED, now);
        LOG.info("backup={} step=start type={} workDir={}", name, type, dir);
    }

    public void cleanup(Exchange exchange) {
        Message m = exchange.getMessage();
        clearStopInterrupt();
        try {
            String dir = m.getHeader(BackupHeaders.WORK_DIR, String.class);
            if (dir != null) {
                workDirs.delete(Path.of(dir));
            }
        } finally {
            if (Boolean.TRUE.equals(m.removeHeader(BackupHeaders.LOCK_HELD))) {
                lock.release();
            }
        }
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
        running.forEach((exchange, thread) -> LOG.warn("backup={} outcome=stopping reason=\"{}\"",
                exchange.getMessage().getHeader(BackupHeaders.NAME), reason));
        org.ipfsbackup.dump.ChildProcesses.TOOLS.stopAll(Duration.ofSeconds(2));
        running.values().forEach(Thread::interrupt);
        return true;
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
     * Called by the dead-letter route: removes the job's temp files and records what failed on the message
     * ({@link BackupHeaders#FAILURE}, {@link BackupHeaders#FAILED_STEP}), with credentials masked.
     */
    public void failed(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String step = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        Message m = exchange.getMessage();
        String name = m.getHeader(BackupHeaders.NAME, String.class);
        String why = stopping;
        clearStopInterrupt();
        String reason = Masking.maskUri((why == null ? "" : "stopped (" + why + "): ") + describe(cause));
        m.setHeader(BackupHeaders.FAILURE, reason);
        m.setHeader(BackupHeaders.FAILED_STEP, step);
        LOG.error("backup={} step={} outcome=failed error={}", name, step, reason);
        try {
            cleanup(exchange);
        } catch (RuntimeException e) {
            LOG.error("backup={} could not remove its work directory: {}", name, e.getMessage());
        }
    }

    /**
     * After {@link #abort} interrupted the job's thread, the interrupt has done its work once the job fails: the
     * clean-up that follows (lease release, withdraw, unpin) must still be able to talk to MongoDB and IPFS.
     */
    private void clearStopInterrupt() {
        if (stopping != null) {
            Thread.interrupted();
        }
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown failure";
        }
        StringBuilder sb = new StringBuilder();
        Throwable c = t;
        int depth = 0;
        while (c != null && depth++ < 4) {
            String msg = c.getMessage();
            String part = c.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
            if (sb.indexOf(part) < 0) {
                sb.append(sb.length() == 0 ? "" : " <- ").append(part);
            }
            c = c.getCause() == c ? null : c.getCause();
        }
        return sb.toString();
    }
}
