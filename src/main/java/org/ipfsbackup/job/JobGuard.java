package org.ipfsbackup.job;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frame of every job (backup, retention, rekey, start-up recovery): take the backup lock or say why the job is
 * skipped, name the job, make its work directory; at the end (success or failure) remove the directory and release
 * the lock. No Camel here: the bindings put the {@link Job} into message headers and the routes decide what a skip
 * means for the flow.
 *
 * <p>Only the holder of the lock, right after taking it, removes job folders left behind, and only those whose owner
 * (recorded in the folder, {@link WorkDirectories#OWNER_FILE}) no longer runs a job; the new job's folder records this
 * instance as its owner. A process that merely starts removes nothing (one-shot commands run beside the service).
 */
public final class JobGuard {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.job");

    /** A running job: its kind (full, incremental, retention, ...), its name, work directory and start time. */
    public record Job(String kind, String name, Path workDir, Instant started) {
    }

    /** The outcome of a start without waiting: the job, or (job null) the reason it was skipped. */
    public record Start(Job job, String skipped) {
        public boolean ran() {
            return job != null;
        }
    }

    private final BackupLock lock;
    private final WorkDirectories workDirs;
    private final Clock clock;

    public JobGuard(BackupLock lock, WorkDirectories workDirs, Clock clock) {
        this.lock = lock;
        this.workDirs = workDirs;
        this.clock = clock;
    }

    /**
     * Takes the lock without waiting. When another job (here or on another instance) holds it, nothing is started and
     * the reason names the holder followed by {@code consequence} (what the skip means for this job).
     *
     * @param name the job's name from its start time
     */
    public Start tryStart(String kind, Function<Instant, String> name, String consequence) {
        if (!lock.tryAcquire(kind)) {
            String reason = "a " + lock.holder() + " job is running; " + consequence;
            LOG.info("job={} step=start outcome=skipped reason=\"{}\"", kind, reason);
            return new Start(null, reason);
        }
        return new Start(openAfterLock(kind, name), null);
    }

    /**
     * Waits up to {@code wait} for the lock.
     *
     * @throws IllegalStateException naming the holder when it still holds the lock after {@code wait} ({@code setting}
     *                               names the setting that sets the wait)
     */
    public Job start(String kind, Duration wait, String setting, Function<Instant, String> name) throws InterruptedException {
        if (!lock.acquire(kind, wait)) {
            throw new IllegalStateException("another job (" + lock.holder() + ") is still running after " + wait.toMinutes() + " min ("
                    + setting + "): this " + kind + " job did not run");
        }
        return openAfterLock(kind, name);
    }

    private Job openAfterLock(String kind, Function<Instant, String> name) {
        try {
            removeLeftovers();
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            String n = name.apply(now);
            Path dir = workDirs.create(n, lock.owner());
            LOG.info("backup={} step=start type={} workDir={}", n, kind, dir);
            return new Job(kind, n, dir, now);
        } catch (RuntimeException e) {
            lock.release();
            throw e;
        }
    }

    /** Ends a job, after success or failure: its work directory (if any) is removed, then the lock (if held) released. */
    public void release(Path workDir, boolean lockHeld) {
        try {
            if (workDir != null) {
                workDirs.delete(workDir);
            }
        } finally {
            if (lockHeld) {
                lock.release();
            }
        }
    }

    /**
     * Removes the job folders of jobs that no longer run (kill -9, a crash): called with the lock held; a folder whose
     * owner is another instance still running a job (a live lease) stays, this instance runs no other job.
     */
    private void removeLeftovers() {
        String me = lock.owner();
        for (Path p : workDirs.removeLeftovers(owner -> !owner.equals(me) && lock.runsJob(owner))) {
            LOG.warn("removed temp files left by an interrupted job: {}", p);
        }
    }

    /** The name of a run of a maintenance job: {@code retention_2026-11-27_020000} (backups are named by {@link BackupNames}). */
    public static String runName(String kind, Instant at) {
        return kind + "_" + BackupNames.manifestFile(at).replace("manifest_", "").replace(".json.enc", "");
    }

    /** A failure in words: the exception and its causes (up to four), each once. */
    public static String describe(Throwable t) {
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
