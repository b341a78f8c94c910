package org.ipfsbackup.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.ipfsbackup.archive.ArchiveResult;
import org.ipfsbackup.dump.DumpResult;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.observe.BackupMetrics;
import org.ipfsbackup.observe.StepTimer;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.restore.BackupVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the exchanges passing between the step routes ({@code direct:} sends) and turns them into one log line
 * per step (logger {@code ipfs-backup.step}: backup name, step, outcome, own duration in ms, bytes) and into the
 * application's metrics ({@link BackupMetrics}): backups by type and outcome, duration, size, last success, peers,
 * unpins, verifications. Nothing in the routes has to call it; it only reads headers the steps already set.
 */
public class ObservabilityNotifier extends EventNotifierSupport {
    private static final Logger STEP_LOG = LoggerFactory.getLogger("ipfs-backup.step");
    private static final String TIMER = "IpfsBackupStepTimer";
    private static final List<String> ENTRY_STEPS = List.of("backup-full", "backup-incremental");

    private final BackupMetrics metrics;
    private final Clock clock;

    public ObservabilityNotifier(BackupMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
        setIgnoreCamelContextEvents(true);
        setIgnoreCamelContextInitEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSendingEvent s) {
            String step = step(s.getEndpoint().getEndpointUri());
            if (step != null) {
                StepTimer t = s.getExchange().getProperty(TIMER, StepTimer.class);
                if (t == null) {
                    t = new StepTimer();
                    s.getExchange().setProperty(TIMER, t);
                }
                String parent = t.current();
                t.enter(step, parent == null ? null : snapshot(parent, s.getExchange().getMessage()));
            }
        } else if (event instanceof CamelEvent.ExchangeSentEvent s) {
            String step = step(s.getEndpoint().getEndpointUri());
            StepTimer t = step == null ? null : s.getExchange().getProperty(TIMER, StepTimer.class);
            if (t != null) {
                Exchange ex = s.getExchange();
                StepTimer.Step done = t.exit(step, snapshot(step, ex.getMessage()));
                if (done != null) {
                    finished(done, ex);
                }
                if (t.idle()) {
                    ex.removeProperty(TIMER);
                }
            }
        } else if (event instanceof CamelEvent.ExchangeCompletedEvent c
                && ("startup-recovery".equals(c.getExchange().getFromRouteId()) || "recovery".equals(c.getExchange().getFromRouteId()))) {
            Object report = c.getExchange().getMessage().getHeader(RecoveryBinding.REPORT);
            if (report instanceof List<?> l) {
                metrics.unpinned("orphan", (int) l.stream().filter(o -> o instanceof OrphanAction a && a.unpinned()).count());
            }
        }
    }

    /** What a step line reports, taken when the step's own work ended (later steps overwrite the headers). */
    record Snapshot(String backup, Long bytes) {
    }

    private static Snapshot snapshot(String step, Message m) {
        return new Snapshot(m.getHeader(BackupHeaders.NAME, String.class), bytes(step, m));
    }

    private void finished(StepTimer.Step step, Exchange ex) {
        Message m = ex.getMessage();
        Snapshot snap = step.snapshot() instanceof Snapshot s ? s : new Snapshot(null, null);
        String outcome = outcome(step.name(), ex);
        STEP_LOG.info("backup={} step={} outcome={} durationMs={} bytes={}", snap.backup() == null ? "-" : snap.backup(), step.name(), outcome,
                step.ownMillis(), snap.bytes() == null ? "-" : snap.bytes());
        if (ENTRY_STEPS.contains(step.name())) {
            ManifestEntry entry = m.getHeader(BackupHeaders.ENTRY, ManifestEntry.class);
            String type = m.getHeader(BackupHeaders.TYPE, String.class);
            if (type == null) {
                type = step.name().substring("backup-".length());
            }
            String result = "skipped".equals(outcome) ? "skipped" : entry != null && "ok".equals(outcome) ? "success" : "failure";
            metrics.backupFinished(type, result, Duration.ofNanos(step.totalNanos()), entry == null ? -1 : entry.size(),
                    entry == null || entry.peers() == null ? -1 : entry.peers().size(), clock.instant());
        } else if ("retention".equals(step.name())) {
            List<?> unpinned = m.getHeader(RetentionBinding.UNPINNED, List.class);
            metrics.unpinned("retention", unpinned == null ? 0 : unpinned.size());
        } else if ("verification".equals(step.name())) {
            BackupVerifier.Result r = m.getHeader(VerificationBinding.RESULT, BackupVerifier.Result.class);
            if (r != null) {
                metrics.verification(r.ok());
            }
        }
    }

    private static String outcome(String step, Exchange ex) {
        Message m = ex.getMessage();
        if (ENTRY_STEPS.contains(step)) {
            if (m.getHeader(BackupHeaders.SKIPPED) != null) {
                return "skipped";
            }
            return m.getHeader(BackupHeaders.FAILURE) != null || ex.getException() != null ? "failed" : "ok";
        }
        if ("retention".equals(step) && m.getHeader(RetentionBinding.FAILURE) != null) {
            return "failed";
        }
        return ex.getException() != null || step.equals(m.getHeader(BackupHeaders.FAILED_STEP)) ? "failed" : "ok";
    }

    /** The byte count that describes a step's output, from the headers it set (null: none). */
    static Long bytes(String step, Message m) {
        switch (step) {
            case "backup-dump": {
                DumpResult d = m.getHeader(BackupHeaders.DUMP_RESULT, DumpResult.class);
                return d == null ? null : d.bytes();
            }
            case "backup-archive": {
                ArchiveResult a = m.getHeader(BackupHeaders.ARCHIVE_RESULT, ArchiveResult.class);
                return a == null ? null : a.archiveBytes();
            }
            case "ipfs-add": {
                String f = m.getHeader(BackupHeaders.ADD_FILE, String.class);
                try {
                    return f == null ? null : Files.size(Path.of(f));
                } catch (java.io.IOException | RuntimeException e) {
                    return null;
                }
            }
            case "backup-encrypt", "backup-upload", "backup-pin-verify", "backup-record", "backup-cleanup":
                return m.getHeader(BackupHeaders.SIZE, Long.class);
            default:
                return null;
        }
    }

    /** {@code direct://backup-dump} -> backup-dump; null for any other endpoint. */
    static String step(String uri) {
        if (uri == null || !uri.startsWith("direct:")) {
            return null;
        }
        String s = uri.substring("direct:".length());
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q);
    }
}
