package org.ipfsbackup.camel;

import java.time.Clock;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.ipfsbackup.alert.Alert;
import org.ipfsbackup.alert.AlertComposer;
import org.ipfsbackup.alert.AlertDispatcher;
import org.ipfsbackup.alert.AlertEvent;
import org.ipfsbackup.alert.AlertSender;
import org.ipfsbackup.alert.AlertSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the alert routes. The dead-letter routes call {@code direct:alert}; this class turns the failure on the
 * message into an {@link Alert} and hands it to the {@link AlertDispatcher} (throttle, send, spool when SMTP is
 * down). Sending goes through {@code direct:alert-mail} (camel-mail) so it is a route like the rest.
 */
public class AlertBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.alert");
    private final AlertSettings settings;
    private final AlertDispatcher dispatcher;
    private final Clock clock;
    private final org.ipfsbackup.watchdog.Watchdog watchdog;
    private com.mongodb.client.MongoClient sourceMongo;
    private java.time.Duration incrementalInterval;

    private org.ipfsbackup.observe.BackupMetrics metrics;

    /** Metrics the watchdog updates: oplog window, peers holding the newest backup of each type. */
    public void observe(org.ipfsbackup.observe.BackupMetrics metrics) {
        this.metrics = metrics;
    }

    /** Where the oplog window is measured (the replica set backed up) and how often incrementals run. */
    public void watchOplog(com.mongodb.client.MongoClient source, java.time.Duration interval) {
        this.sourceMongo = source;
        this.incrementalInterval = interval;
    }

    /** @param dispatcher null when no alert e-mail is configured (alerts are then only logged) */
    public AlertBinding(AlertSettings settings, AlertDispatcher dispatcher, Clock clock, org.ipfsbackup.watchdog.Watchdog watchdog) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.watchdog = watchdog;
    }

    /**
     * A backup failed (dead-letter route): a pin failure when the upload did not reach "pinned" in time
     * ({@link org.ipfsbackup.ipfs.PinTimeoutException} in the caught exception's causes), else a backup failure.
     */
    public void backupFailed(Exchange exchange) {
        Message m = exchange.getMessage();
        String step = m.getHeader(BackupHeaders.FAILED_STEP, String.class);
        AlertEvent event = event(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        raise(Alert.of(event, type(m), step, m.getHeader(BackupHeaders.FAILURE, String.class), m.getHeader(BackupHeaders.NAME, String.class),
                clock.instant()));
    }

    /** The alert a backup failure raises, from what was thrown. */
    static AlertEvent event(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.ipfsbackup.ipfs.PinTimeoutException) {
                return AlertEvent.PIN_FAILURE;
            }
        }
        return AlertEvent.BACKUP_FAILURE;
    }

    /** Retention failed (its dead-letter route). */
    public void retentionFailed(Exchange exchange) {
        Message m = exchange.getMessage();
        raise(Alert.of(AlertEvent.RETENTION_FAILURE, null, exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class),
                m.getHeader(RetentionBinding.FAILURE, String.class), m.getHeader(BackupHeaders.NAME, String.class), clock.instant()));
    }

    /** A backup succeeded: open backup and pin failure alerts of its type are resolved. */
    public void backupSucceeded(Exchange exchange) {
        Message m = exchange.getMessage();
        String detail = "backup " + m.getHeader(BackupHeaders.NAME) + " succeeded (" + m.getHeader(BackupHeaders.CID) + ")";
        for (AlertEvent e : new AlertEvent[] {AlertEvent.BACKUP_FAILURE, AlertEvent.PIN_FAILURE}) {
            if (dispatcher != null) {
                dispatcher.resolve(Alert.key(e, type(m), null), detail);
            }
        }
    }

    /**
     * Watchdog (hourly): body = the manifest entries. No successful backup for too long, and IPFS storage above the
     * threshold: each raises its alert while it holds and resolves it when it clears.
     */
    @SuppressWarnings("unchecked")
    public void watchdog(Exchange exchange) {
        java.util.List<org.ipfsbackup.manifest.ManifestEntry> entries = exchange.getMessage().getBody(java.util.List.class);
        java.time.Instant now = java.util.Optional.ofNullable(exchange.getMessage().getHeader(RetentionBinding.NOW, java.time.Instant.class))
                .orElse(clock.instant());
        var last = watchdog.lastBackup(entries, now);
        LOG.info("step=watchdog check=last-backup firing={} {}", last.firing(), last.detail());
        condition(AlertEvent.NO_RECENT_BACKUP, null, last, now);
        for (var s : watchdog.storage()) {
            LOG.info("step=watchdog check=storage firing={} {}", s.firing(), s.detail());
            condition(AlertEvent.STORAGE_THRESHOLD, s.subject(), s, now);
        }
        if (sourceMongo != null) {
            try {
                var span = org.ipfsbackup.watchdog.Watchdog.oplogSpan(sourceMongo);
                if (metrics != null) {
                    metrics.oplogWindow(span.window());
                }
                var w = org.ipfsbackup.watchdog.Watchdog.oplogWindow(span.oldest(), span.newest(), span.sizeBytes(), span.maxSizeBytes(),
                        incrementalInterval);
                LOG.info("step=watchdog check=oplog-window firing={} {}", w.firing(), w.detail());
                condition(AlertEvent.OPLOG_WINDOW_SHORT, null, w, now);
            } catch (RuntimeException e) {
                LOG.warn("step=watchdog check=oplog-window could not read the oplog: {}", e.getMessage());
            }
        }
        if (metrics != null) {
            watchdog.newestPinned(entries).forEach(metrics::peersPinned);
        }
        for (var p : watchdog.pins(entries)) {
            if (p.firing() || p.detail().contains("recovered")) {
                LOG.info("step=watchdog check=pins firing={} {}", p.firing(), p.detail());
            }
            condition(AlertEvent.BACKUP_NOT_PINNED, p.subject(), p, now);
        }
        exchange.getMessage().setBody(null);
    }

    private void condition(AlertEvent event, String subject, org.ipfsbackup.watchdog.Watchdog.Finding f, java.time.Instant now) {
        if (f.firing()) {
            raise(subject == null ? Alert.of(event, null, "watchdog", f.detail(), null, now)
                    : Alert.ofCid(event, null, subject, "watchdog", f.detail(), null, now));
        } else if (dispatcher != null) {
            dispatcher.resolve(Alert.key(event, null, subject), f.detail());
        }
    }

    /** After a scheduled verification: alert when the backup did not verify, resolve when it does again. */
    public void verification(Exchange exchange) {
        Message m = exchange.getMessage();
        org.ipfsbackup.restore.BackupVerifier.Result r = m.getHeader(VerificationBinding.RESULT, org.ipfsbackup.restore.BackupVerifier.Result.class);
        var f = new org.ipfsbackup.watchdog.Watchdog.Finding("verification", r.entry().cid(), !r.ok(),
                r.entry().fileName() + " (" + r.entry().cid() + "): " + r.summary());
        condition(AlertEvent.VERIFICATION_FAILURE, r.entry().cid(), f, clock.instant());
    }

    /** After a scheduled restore drill: alert when it failed (naming what differed), resolve when one passes again. */
    public void drill(Exchange exchange) {
        org.ipfsbackup.drill.RestoreDrill.Outcome o = exchange.getMessage().getHeader(DrillBinding.OUTCOME,
                org.ipfsbackup.drill.RestoreDrill.Outcome.class);
        var f = new org.ipfsbackup.watchdog.Watchdog.Finding("drill", o.full().cid(), !o.passed(),
                o.full().fileName() + " (" + o.full().cid() + "): " + o.text());
        condition(AlertEvent.DRILL_FAILURE, "drill", f, clock.instant());
    }

    /** Timer: alerts kept while SMTP was down are sent again. */
    public void retryPending() {
        if (dispatcher != null) {
            int n = dispatcher.retryPending();
            if (n > 0) {
                LOG.info("sent {} alert(s) kept while the mail server could not be reached", n);
            }
        }
    }

    private void raise(Alert a) {
        if (dispatcher == null) {
            LOG.warn("alert (no alert e-mail configured: ALERT_ENABLED/ALERT_SMTP_HOST): {} {}", a.event(), a.error());
            return;
        }
        LOG.info("alert {}: {}", a.key(), dispatcher.raise(a));
    }

    private static String type(Message m) {
        String t = m.getHeader(BackupHeaders.TYPE, String.class);
        return "full".equals(t) || "incremental".equals(t) ? t : null;
    }

    /** Sends a composed alert through {@code direct:alert-mail} (camel-mail); an exception means "not sent". */
    public static final class MailSender implements AlertSender {
        private final org.apache.camel.CamelContext context;
        private final AlertComposer composer;
        private final AlertSettings settings;
        private ProducerTemplate template;
        private java.util.function.Consumer<AlertEvent> onSent = e -> { };

        /** Called after each alert e-mail that went out (the alerts-sent metric). */
        public MailSender onSent(java.util.function.Consumer<AlertEvent> onSent) {
            this.onSent = onSent;
            return this;
        }

        public MailSender(org.apache.camel.CamelContext context, AlertComposer composer, AlertSettings settings) {
            this.context = context;
            this.composer = composer;
            this.settings = settings;
        }

        @Override
        public synchronized void send(Alert a) throws Exception {
            if (!settings.email()) {
                LOG.warn("alert (no e-mail configured): {}", composer.subject(a));
                return;
            }
            if (template == null) {
                template = context.createProducerTemplate();
            }
            template.requestBodyAndHeaders("direct:alert-mail", composer.body(a),
                    Map.of("Subject", composer.subject(a), "To", String.join(",", settings.to()), "From", settings.from(),
                            "Content-Type", "text/plain; charset=UTF-8"));
            onSent.accept(a.event());
        }
    }

    /**
     * Posts a composed alert as Slack-compatible JSON through {@code direct:alert-webhook} (camel-http). The endpoint
     * in the route is only scheme://host:port (what JMX and the logs may show); the path, which holds the webhook's
     * token, travels in the {@code CamelHttpPath} header of this one exchange. An HTTP status of 300 or more throws,
     * so the alert is kept and sent again.
     */
    public static final class WebhookSender implements AlertSender {
        private final org.apache.camel.CamelContext context;
        private final AlertComposer composer;
        private final java.net.URI url;
        private ProducerTemplate template;
        private java.util.function.Consumer<AlertEvent> onSent = e -> { };

        /** Called after each alert that was posted (the alerts-sent metric, when there is no e-mail channel). */
        public WebhookSender onSent(java.util.function.Consumer<AlertEvent> onSent) {
            this.onSent = onSent;
            return this;
        }

        public WebhookSender(org.apache.camel.CamelContext context, AlertComposer composer, java.net.URI url) {
            this.context = context;
            this.composer = composer;
            this.url = url;
        }

        /** What the route's endpoint names: scheme, host and port only. */
        public static String endpoint(java.net.URI url) {
            return url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "");
        }

        @Override
        public synchronized void send(Alert a) throws Exception {
            if (template == null) {
                template = context.createProducerTemplate();
            }
            Map<String, Object> h = new java.util.HashMap<>();
            h.put(org.apache.camel.Exchange.HTTP_METHOD, "POST");
            h.put(org.apache.camel.Exchange.CONTENT_TYPE, "application/json; charset=UTF-8");
            h.put(org.apache.camel.Exchange.HTTP_PATH, url.getRawPath() == null ? "" : url.getRawPath());
            if (url.getRawQuery() != null) {
                h.put(org.apache.camel.Exchange.HTTP_QUERY, url.getRawQuery());
            }
            try {
                template.requestBodyAndHeaders("direct:alert-webhook", composer.slackJson(a), h);
            } catch (org.apache.camel.CamelExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                if (c instanceof org.apache.camel.http.base.HttpOperationFailedException f) {
                    throw new java.io.IOException("webhook " + endpoint(url) + " answered HTTP " + f.getStatusCode()
                            + (f.getStatusText() == null ? "" : " " + f.getStatusText()));
                }
                // the message of a client exception may quote the whole URL: its path (the token) is cut out
                String m = String.valueOf(c.getMessage());
                if (url.getRawPath() != null && !url.getRawPath().isEmpty() && !url.getRawPath().equals("/")) {
                    m = m.replace(url.getRawPath(), "/***");
                }
                throw new java.io.IOException("webhook " + endpoint(url) + ": " + c.getClass().getSimpleName() + ": " + m);
            }
            onSent.accept(a.event());
        }
    }
}
