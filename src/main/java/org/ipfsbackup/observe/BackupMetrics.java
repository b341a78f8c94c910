package org.ipfsbackup.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The application's own metrics, registered with the Micrometer registry Camel uses (so they are scraped from
 * {@code /observe/metrics} next to Camel's route metrics). Prometheus names (Micrometer adds the unit and
 * {@code _total} suffixes):
 * <ul>
 * <li>{@code ipfs_backup_backups_total{type,outcome}}: backups finished; outcome success, failure or skipped</li>
 * <li>{@code ipfs_backup_duration_seconds{type,outcome}}: how long each took (count, sum, max)</li>
 * <li>{@code ipfs_backup_size_bytes{type}}: encrypted size of each successful backup (count, sum, max)</li>
 * <li>{@code ipfs_backup_last_success_timestamp_seconds{type}}: Unix time of the newest successful backup</li>
 * <li>{@code ipfs_backup_peers_pinned{type}}: peers holding the newest backup of each type</li>
 * <li>{@code ipfs_backup_unpins_total{reason}}: pins removed (retention, orphan)</li>
 * <li>{@code ipfs_backup_alerts_sent_total{event}}: alert e-mails sent (0 for every event from the start)</li>
 * <li>{@code ipfs_backup_verifications_total{outcome}}: scheduled verifications, success or failure</li>
 * <li>{@code ipfs_backup_oplog_window_seconds}: how far back the source oplog reaches</li>
 * <li>{@code ipfs_backup_drills_total{outcome}}: restore drills, success or failure</li>
 * <li>{@code ipfs_backup_drill_duration_seconds}: the restore time (RTO) measured by the last drill</li>
 * </ul>
 * Every label takes a value from a small fixed set (types, outcomes, alert events, unpin reasons): no label carries
 * a CID, a name or a host, so the number of series stays bounded however many backups exist.
 */
public final class BackupMetrics {
    public static final List<String> TYPES = List.of("full", "incremental");
    /** The {@code outcome} label values: the code, the alert rules and the dashboard use these (MetricsContractTest checks). */
    public static final String SUCCESS = "success";
    public static final String FAILURE = "failure";
    public static final String SKIPPED = "skipped";
    public static final List<String> OUTCOMES = List.of(SUCCESS, FAILURE, SKIPPED);
    /** The {@code outcome} values of {@code ipfs_backup_verifications_total}. */
    public static final List<String> VERIFICATION_OUTCOMES = List.of(SUCCESS, FAILURE);
    /** The {@code outcome} values of {@code ipfs_backup_drills_total}. */
    public static final List<String> DRILL_OUTCOMES = List.of(SUCCESS, FAILURE);
    /** The {@code event} values of {@code ipfs_backup_alerts_sent_total}: every alert event, lower case. */
    public static final List<String> ALERT_EVENTS = java.util.Arrays.stream(org.ipfsbackup.alert.AlertEvent.values())
            .map(e -> e.name().toLowerCase(Locale.ROOT)).toList();

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> lastSuccess = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Double>> peersPinned = new ConcurrentHashMap<>();
    private final AtomicReference<Double> oplogWindow = new AtomicReference<>(Double.NaN);
    private final AtomicReference<Double> drillDuration = new AtomicReference<>(Double.NaN);

    public BackupMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String type : TYPES) {
            AtomicReference<Double> last = lastSuccess.computeIfAbsent(type, t -> new AtomicReference<>(Double.NaN));
            Gauge.builder("ipfs.backup.last.success.timestamp", last, AtomicReference::get).baseUnit("seconds")
                    .description("Unix time of the newest successful backup of this type").tag("type", type).register(registry);
            AtomicReference<Double> peers = peersPinned.computeIfAbsent(type, t -> new AtomicReference<>(Double.NaN));
            Gauge.builder("ipfs.backup.peers.pinned", peers, AtomicReference::get)
                    .description("IPFS Cluster peers holding the newest backup of this type (pinned)").tag("type", type).register(registry);
            for (String outcome : OUTCOMES) {
                backups(type, outcome);
            }
        }
        Gauge.builder("ipfs.backup.oplog.window", oplogWindow, AtomicReference::get).baseUnit("seconds")
                .description("Time between the oldest and the newest entry of the source replica set's oplog").register(registry);
        for (String outcome : VERIFICATION_OUTCOMES) {
            verifications(outcome);
        }
        for (String outcome : DRILL_OUTCOMES) {
            drills(outcome);
        }
        Gauge.builder("ipfs.backup.drill.duration", drillDuration, AtomicReference::get).baseUnit("seconds")
                .description("Restore time (RTO) measured by the last restore drill").register(registry);
        unpins("retention");
        unpins("orphan");
        for (String event : ALERT_EVENTS) {
            alertsSent(event);
        }
    }

    private Counter alertsSent(String event) {
        return Counter.builder("ipfs.backup.alerts.sent").description("Alert e-mails sent, by event").tag("event", event.toLowerCase(Locale.ROOT))
                .register(registry);
    }

    private Counter backups(String type, String outcome) {
        return Counter.builder("ipfs.backup.backups").description("Backups finished, by type and outcome")
                .tag("type", type).tag("outcome", outcome).register(registry);
    }

    private Counter verifications(String outcome) {
        return Counter.builder("ipfs.backup.verifications").description("Scheduled verifications (download, hash, decrypt, list)")
                .tag("outcome", outcome).register(registry);
    }

    private Counter drills(String outcome) {
        return Counter.builder("ipfs.backup.drills").description("Restore drills (restore into a scratch target, compare digests)")
                .tag("outcome", outcome).register(registry);
    }

    /** A restore drill finished: passed or not, and how long its restore took. */
    public void drill(boolean passed, Duration restore) {
        drills(passed ? SUCCESS : FAILURE).increment();
        drillDuration.set(restore.toMillis() / 1000.0);
    }

    private Counter unpins(String reason) {
        return Counter.builder("ipfs.backup.unpins").description("Pins removed from the cluster, by reason").tag("reason", reason)
                .register(registry);
    }

    /**
     * One backup finished.
     *
     * @param type    full or incremental (anything else is counted as {@code other})
     * @param outcome success, failure or skipped
     * @param bytes   encrypted size (success only; negative: unknown)
     * @param peers   peers that pinned it (success only; negative: unknown)
     */
    public void backupFinished(String type, String outcome, Duration took, long bytes, int peers, Instant finished) {
        String t = TYPES.contains(type) ? type : "other";
        String o = OUTCOMES.contains(outcome) ? outcome : FAILURE;
        backups(t, o).increment();
        Timer.builder("ipfs.backup.duration").description("Duration of a backup run, start to recorded (or failed)")
                .tag("type", t).tag("outcome", o).register(registry).record(took);
        if (SUCCESS.equals(o)) {
            if (bytes >= 0) {
                DistributionSummary.builder("ipfs.backup.size").baseUnit("bytes").description("Encrypted size of each successful backup")
                        .tag("type", t).register(registry).record(bytes);
            }
            lastSuccess(t, finished);
            if (peers >= 0) {
                peersPinned(t, peers);
            }
        }
    }

    /** The newest successful backup of this type (also seeded from the manifest at start). Older times are ignored. */
    public void lastSuccess(String type, Instant when) {
        AtomicReference<Double> ref = lastSuccess.get(type);
        if (ref != null && when != null) {
            double s = when.toEpochMilli() / 1000.0;
            ref.accumulateAndGet(s, (old, now) -> old.isNaN() || now > old ? now : old);
        }
    }

    /**
     * At start, so that no gauge is NaN until the first backup or watchdog run: the newest successful backup of each
     * type (last success), the peers holding it (asked of the cluster; when it cannot answer, the peers the manifest
     * recorded when it was stored) and the source oplog's window (when it can be read). A type without any successful
     * backup keeps NaN for both (there is no newest backup to count peers of).
     *
     * @param pinnedPeers CID to the number of peers the cluster reports it pinned on (may throw: the cluster is down)
     * @param oplogWindow the source oplog's window, null when there is no oplog (may throw: MongoDB is down)
     */
    public void seed(List<org.ipfsbackup.manifest.ManifestEntry> manifest, java.util.function.ToIntFunction<String> pinnedPeers,
                     java.util.function.Supplier<Duration> oplogWindow) {
        Map<String, org.ipfsbackup.manifest.ManifestEntry> newest = new java.util.HashMap<>();
        for (var e : manifest) {
            if (org.ipfsbackup.manifest.ManifestEntry.COMPLETE.equals(e.status()) && e.timestamp() != null && TYPES.contains(e.type())) {
                newest.merge(e.type(), e, (a, b) -> a.timestamp().isAfter(b.timestamp()) ? a : b);
                lastSuccess(e.type(), e.timestamp());
            }
        }
        newest.forEach((type, e) -> {
            int peers;
            try {
                peers = pinnedPeers.applyAsInt(e.cid());
            } catch (RuntimeException ex) {
                peers = e.peers() == null ? -1 : e.peers().size();
            }
            if (peers >= 0) {
                peersPinned(type, peers);
            }
        });
        try {
            oplogWindow(oplogWindow.get());
        } catch (RuntimeException ex) {
            // MongoDB not reachable yet: the watchdog measures it
        }
    }

    /** Peers that hold the newest backup of this type (after the backup, and as the watchdog finds them). */
    public void peersPinned(String type, int peers) {
        AtomicReference<Double> ref = peersPinned.get(type);
        if (ref != null) {
            ref.set((double) peers);
        }
    }

    public void unpinned(String reason, int count) {
        if (count > 0) {
            unpins(reason).increment(count);
        }
    }

    public void alertSent(String event) {
        alertsSent(event).increment();
    }

    public void verification(boolean ok) {
        verifications(ok ? SUCCESS : FAILURE).increment();
    }

    /** The oplog window as last measured (null: no oplog to measure). */
    public void oplogWindow(Duration window) {
        oplogWindow.set(window == null ? Double.NaN : window.toMillis() / 1000.0);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
