package org.ipfsbackup.camel;

import com.mongodb.client.MongoClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.bson.Document;
import org.ipfsbackup.mongo.Masking;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.observe.BackupMetrics;

/**
 * The application's health checks, each its own entry at {@code /observe/health} (group {@code ipfs-backup}):
 * MongoDB reachable, IPFS Cluster reachable, newest successful backup within {@code watchdog.max-backup-age}.
 * A DOWN check makes the endpoint answer 503. Messages carry no credentials (URIs are masked).
 */
public final class BackupHealthChecks {
    // Every check here is a readiness check: /observe/health shows them (503 when one is DOWN, for monitoring), while
    // /observe/health/live (liveness, the container HEALTHCHECK) only says the process and Camel run, so a fresh
    // install or a late backup never gets the container restarted.
    public static final String GROUP = "ipfs-backup";

    private BackupHealthChecks() {
    }

    /**
     * A check that is readiness/monitoring only: /observe/health/live (the container HEALTHCHECK) does not depend on
     * it.
     */
    abstract static class ReadinessCheck extends AbstractHealthCheck {
        ReadinessCheck(String id) {
            super(GROUP, id);
        }

        @Override
        public boolean isLiveness() {
            return false;
        }
    }

    /** {@code ping} on the MongoDB that holds the manifest (the replica set backed up), with a short timeout. */
    public static final class Mongo extends ReadinessCheck {
        private final MongoClient client;
        private final String uri;

        public Mongo(MongoClient client, String uri) {
            super("mongodb");
            this.client = client;
            this.uri = Masking.maskUri(uri);
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("uri", uri);
            try {
                client.getDatabase("admin").runCommand(new Document("ping", 1));
                builder.message("MongoDB answers ping").up();
            } catch (RuntimeException e) {
                builder.message("MongoDB does not answer: " + Masking.maskUri(e.getMessage())).down();
            }
        }
    }

    /** {@code GET /id} on the cluster REST API (node 2 when node 1 does not answer). */
    public static final class Cluster extends ReadinessCheck {
        private final ClusterClient cluster;

        public Cluster(ClusterClient cluster) {
            super("ipfs-cluster");
            this.cluster = cluster;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            try {
                String id = cluster.id();
                builder.detail("peer", id).message("IPFS Cluster answers (peer " + id + ")").up();
            } catch (RuntimeException e) {
                builder.message("IPFS Cluster does not answer: " + Masking.maskUri(e.getMessage())).down();
            }
        }
    }

    /** The newest successful backup in the manifest is younger than the limit (no backup at all: DOWN). */
    public static final class LastBackup extends ReadinessCheck {
        private final ManifestStore manifest;
        private final Duration maxAge;
        private final Clock clock;
        private final BackupMetrics metrics;

        public LastBackup(ManifestStore manifest, Duration maxAge, Clock clock, BackupMetrics metrics) {
            super("last-backup");
            this.manifest = manifest;
            this.maxAge = maxAge;
            this.clock = clock;
            this.metrics = metrics;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            List<ManifestEntry> all;
            try {
                all = manifest.all();
            } catch (RuntimeException e) {
                builder.message("cannot read the manifest: " + Masking.maskUri(e.getMessage())).down();
                return;
            }
            seed(metrics, all);
            Optional<ManifestEntry> newest = all.stream().filter(e -> ManifestEntry.COMPLETE.equals(e.status()))
                    .max(Comparator.comparing(ManifestEntry::timestamp));
            builder.detail("max-age", maxAge.toString());
            if (newest.isEmpty()) {
                builder.message("no successful backup in the manifest").down();
                return;
            }
            Duration age = Duration.between(newest.get().timestamp(), clock.instant());
            builder.detail("backup", newest.get().fileName()).detail("age", age.toString());
            String msg = "newest successful backup " + newest.get().fileName() + " is " + age.toMinutes() + " min old (limit "
                    + maxAge.toMinutes() + " min)";
            if (age.compareTo(maxAge) > 0) {
                builder.message(msg).down();
            } else {
                builder.message(msg).up();
            }
        }
    }

    /** The time of the newest successful backup of each type, for {@code ipfs_backup_last_success_timestamp_seconds}. */
    static void seed(BackupMetrics metrics, List<ManifestEntry> all) {
        if (metrics == null) {
            return;
        }
        for (ManifestEntry e : all) {
            if (ManifestEntry.COMPLETE.equals(e.status()) && e.timestamp() != null) {
                metrics.lastSuccess(e.type(), e.timestamp());
            }
        }
    }

    static Instant newest(List<ManifestEntry> all) {
        return all.stream().filter(e -> ManifestEntry.COMPLETE.equals(e.status())).map(ManifestEntry::timestamp).max(Comparator.naturalOrder())
                .orElse(null);
    }
}
