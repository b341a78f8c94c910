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

/** Starts a job (name, work directory), ends it (clean-up), and turns a failure into words for the dead-letter route. */
public class JobBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.job");
    private final WorkDirectories workDirs;
    private final Clock clock;
    private final BackupLock lock;
    private final Duration fullWaitsFor;

    private final String compression;

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
        exchange.getMessage().setHeader(BackupHeaders.LOCK_HELD, true);
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
        exchange.getMessage().setHeader(BackupHeaders.LOCK_HELD, true);
        start(exchange, "incremental");
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
        Path dir = workDirs.create(name);
        Message m = exchange.getMessage();
        m.setHeader(BackupHeaders.TYPE, type);
        m.setHeader(BackupHeaders.NAME, name);
        m.setHeader(BackupHeaders.STARTED, now);
        m.setHeader(BackupHeaders.WORK_DIR, dir.toString());
        LOG.info("backup={} step=start type={} workDir={}", name, type, dir);
    }

    public void cleanup(Exchange exchange) {
        Message m = exchange.getMessage();
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
     * Called by the dead-letter route: removes the job's temp files and records what failed on the message
     * ({@link BackupHeaders#FAILURE}, {@link BackupHeaders#FAILED_STEP}), with credentials masked.
     */
    public void failed(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String step = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        Message m = exchange.getMessage();
        String name = m.getHeader(BackupHeaders.NAME, String.class);
        String reason = Masking.maskUri(describe(cause));
        m.setHeader(BackupHeaders.FAILURE, reason);
        m.setHeader(BackupHeaders.FAILED_STEP, step);
        LOG.error("backup={} step={} outcome=failed error={}", name, step, reason);
        try {
            cleanup(exchange);
        } catch (RuntimeException e) {
            LOG.error("backup={} could not remove its work directory: {}", name, e.getMessage());
        }
    }

    public void removeLeftovers() {
        for (Path p : workDirs.removeLeftovers()) {
            LOG.warn("removed temp files left by an interrupted backup: {}", p);
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
