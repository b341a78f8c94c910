package org.ipfsbackup.camel;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Route;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.observe.BackupMetrics;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.restore.BackupVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Camel's exchange events into one log line per route an exchange is sent to (logger {@code ipfs-backup.step}:
 * backup name, step = the route's id, outcome, duration in ms, bytes) and, when a run ends, into the application's
 * metrics ({@link BackupMetrics}: backups by type and outcome, duration, size, last success, peers, unpins,
 * verifications). It knows no route id: a step is whatever route consumes the endpoint the exchange is sent to, so a
 * renamed, added or removed step route is logged under its own id; the values come from headers and the
 * {@link BackupHeaders#STEP_BYTES} property the steps set. Each route's timing as a metric is camel-micrometer's
 * route policy ({@code camel_route_policy_seconds{routeId}}).
 */
public class ObservabilityNotifier extends EventNotifierSupport {
    private static final Logger STEP_LOG = LoggerFactory.getLogger("ipfs-backup.step");
    /** Exchange property: per running step, the state when it started (failure route id, skipped). */
    private static final String STARTED = "IpfsStepStarted";
    /** Exchange property: the first job name seen on this exchange (the backup, before retention runs after it). */
    private static final String RUN_NAME = "IpfsStepRunName";

    private final CamelContext context;
    private final BackupMetrics metrics;
    private final Clock clock;

    public ObservabilityNotifier(CamelContext context, BackupMetrics metrics, Clock clock) {
        this.context = context;
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

    /** What a step's outcome is judged against: the state of the exchange when the step started. */
    private record Started(String failureRouteId, boolean skipped, String name) {
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSendingEvent s) {
            String step = routeId(s.getEndpoint());
            if (step != null) {
                Exchange ex = s.getExchange();
                started(ex).put(step, new Started(ex.getProperty(Exchange.FAILURE_ROUTE_ID, String.class),
                        ex.getMessage().getHeader(BackupHeaders.SKIPPED) != null, ex.getMessage().getHeader(BackupHeaders.NAME, String.class)));
            }
        } else if (event instanceof CamelEvent.ExchangeSentEvent s) {
            String step = routeId(s.getEndpoint());
            if (step != null) {
                stepEnded(step, s.getExchange(), s.getTimeTaken());
            }
        } else if (event instanceof CamelEvent.ExchangeCompletedEvent || event instanceof CamelEvent.ExchangeFailedEvent) {
            runEnded(((CamelEvent.ExchangeEvent) event).getExchange());
        }
    }

    /** The id of the route that consumes this endpoint (the step), or null when no route does (mongodb:, http:, ...). */
    private String routeId(Endpoint endpoint) {
        if (endpoint == null) {
            return null;
        }
        for (Route r : context.getRoutes()) {
            Endpoint from = r.getEndpoint();
            if (from == endpoint || from.getEndpointKey().equals(endpoint.getEndpointKey())) {
                return r.getRouteId();
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Started> started(Exchange ex) {
        Map<String, Started> m = ex.getProperty(STARTED, Map.class);
        if (m == null) {
            m = new HashMap<>();
            ex.setProperty(STARTED, m);
        }
        return m;
    }

    private static void stepEnded(String step, Exchange ex, long millis) {
        Message m = ex.getMessage();
        Started at = started(ex).remove(step);
        String name = m.getHeader(BackupHeaders.NAME, String.class);
        if (name != null && ex.getProperty(RUN_NAME) == null) {
            ex.setProperty(RUN_NAME, name);
        }
        if (at != null && at.name() == null) {
            // a step that started before the job had a name (an entry or orchestrating route): the job's first name
            name = ex.getProperty(RUN_NAME, name, String.class);
        }
        String outcome;
        if (ex.getException() != null || at != null && !Objects.equals(at.failureRouteId(), ex.getProperty(Exchange.FAILURE_ROUTE_ID))) {
            outcome = "failed"; // thrown, or a dead-letter channel handled a failure while this step ran
        } else if (at != null && !at.skipped() && m.getHeader(BackupHeaders.SKIPPED) != null) {
            outcome = "skipped";
        } else {
            outcome = "ok";
        }
        Object bytes = ex.getProperty(BackupHeaders.STEP_BYTES);
        STEP_LOG.info("backup={} step={} outcome={} durationMs={} bytes={}", name == null ? "-" : name, step, outcome, millis,
                bytes == null ? "-" : bytes);
    }

    /** A run (one exchange: a backup, retention, verification, recovery) ended: its metrics, from the headers its steps set. */
    private void runEnded(Exchange ex) {
        Message m = ex.getMessage();
        String type = m.getHeader(BackupHeaders.TYPE, String.class);
        ManifestEntry entry = m.getHeader(BackupHeaders.ENTRY, ManifestEntry.class);
        String failure = m.getHeader(BackupHeaders.FAILURE, String.class);
        String skipped = m.getHeader(BackupHeaders.SKIPPED, String.class);
        if (type != null && BackupMetrics.TYPES.contains(type) && (entry != null || failure != null || skipped != null)) {
            String outcome = entry != null && failure == null ? BackupMetrics.SUCCESS : failure != null ? BackupMetrics.FAILURE : BackupMetrics.SKIPPED;
            metrics.backupFinished(type, outcome, Duration.ofMillis(ex.getClock().elapsed()), entry == null ? -1 : entry.size(),
                    entry == null || entry.peers() == null ? -1 : entry.peers().size(), clock.instant());
        }
        List<?> unpinned = m.getHeader(RetentionBinding.UNPINNED, List.class);
        if (unpinned != null) {
            metrics.unpinned("retention", unpinned.size());
        }
        BackupVerifier.Result verified = m.getHeader(VerificationBinding.RESULT, BackupVerifier.Result.class);
        if (verified != null) {
            metrics.verification(verified.ok());
        }
        List<?> report = m.getHeader(RecoveryBinding.REPORT, List.class);
        if (report != null) {
            metrics.unpinned("orphan", (int) report.stream().filter(o -> o instanceof OrphanAction a && a.unpinned()).count());
        }
    }
}
