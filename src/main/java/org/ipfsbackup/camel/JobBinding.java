package org.ipfsbackup.camel;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.config.Masking;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.job.WorkDirectories;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts a job (name, work directory), ends it (clean-up), and turns a failure into words for the dead-letter route. */
public class JobBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.job");
    private final WorkDirectories workDirs;
    private final Clock clock;

    public JobBinding(WorkDirectories workDirs, Clock clock) {
        this.workDirs = workDirs;
        this.clock = clock;
    }

    public void startFull(Exchange exchange) {
        start(exchange, "full");
    }

    public void start(Exchange exchange, String type) {
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String name = BackupNames.backupFile(type, now);
        Path dir = workDirs.create(name);
        Message m = exchange.getMessage();
        m.setHeader(BackupHeaders.TYPE, type);
        m.setHeader(BackupHeaders.NAME, name);
        m.setHeader(BackupHeaders.STARTED, now);
        m.setHeader(BackupHeaders.WORK_DIR, dir.toString());
        LOG.info("backup={} step=start type={} workDir={}", name, type, dir);
    }

    public void cleanup(Exchange exchange) {
        String dir = exchange.getMessage().getHeader(BackupHeaders.WORK_DIR, String.class);
        if (dir != null) {
            workDirs.delete(Path.of(dir));
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
