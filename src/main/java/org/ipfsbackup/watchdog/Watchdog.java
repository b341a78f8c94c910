package org.ipfsbackup.watchdog;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.ipfs.PinStatus;
import org.ipfsbackup.manifest.ManifestEntry;

/**
 * The hourly checks that no failure route would notice: no successful backup for too long, and IPFS nodes whose
 * repository is fuller than the threshold. Each check says whether its condition holds now, so alerts can be raised
 * and resolved.
 */
public final class Watchdog {

    /** One check: the condition holds ({@code firing}) or not, with the words for the alert. */
    public record Finding(String check, String subject, boolean firing, String detail) {
    }

    private final Duration maxAge;
    private final double storageThresholdPercent;
    private final KuboClient kubo;
    private final List<URI> nodes;
    private final ClusterClient cluster;
    private final int replicationFactor;

    public Watchdog(Duration maxAge, double storageThresholdPercent, KuboClient kubo, List<URI> nodes, ClusterClient cluster,
                    int replicationFactor) {
        this.maxAge = maxAge;
        this.storageThresholdPercent = storageThresholdPercent;
        this.kubo = kubo;
        this.nodes = List.copyOf(nodes);
        this.cluster = cluster;
        this.replicationFactor = replicationFactor;
    }

    /**
     * Every recorded backup must still be pinned on every allocated peer. One that is not is first handed to the
     * cluster's recover; it fires only if it is still not pinned after that. Subject of each finding: the CID.
     */
    public List<Finding> pins(List<ManifestEntry> manifest) {
        List<Finding> out = new ArrayList<>();
        for (ManifestEntry e : manifest) {
            if (!ManifestEntry.COMPLETE.equals(e.status())) {
                continue;
            }
            try {
                PinStatus s = cluster.status(e.cid());
                if (s.pinnedOnAll(replicationFactor)) {
                    out.add(new Finding("pins", e.cid(), false, e.fileName() + " (" + e.cid() + ") is pinned on " + s.pinnedPeers().size() + " peers"));
                    continue;
                }
                PinStatus after = cluster.recover(e.cid());
                boolean still = !after.pinnedOnAll(replicationFactor);
                out.add(new Finding("pins", e.cid(), still, e.fileName() + " (" + e.cid() + ") was not pinned on every allocated peer ("
                        + s.describe() + "); asked the cluster to recover it: " + (still ? "still " + after.describe() : "recovered")));
            } catch (RuntimeException ex) {
                out.add(new Finding("pins", e.cid(), false, "could not check " + e.cid() + ": " + ex.getMessage()));
            }
        }
        return out;
    }

    /**
     * Peers that hold (pinned) the newest complete backup of each type, for the peers-pinned metric: one number per
     * type, however many backups exist. A type whose status cannot be read is left out.
     */
    public java.util.Map<String, Integer> newestPinned(List<ManifestEntry> manifest) {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        java.util.Map<String, ManifestEntry> newest = new java.util.HashMap<>();
        for (ManifestEntry e : manifest) {
            if (ManifestEntry.COMPLETE.equals(e.status())) {
                newest.merge(e.type(), e, (a, b) -> a.timestamp().isAfter(b.timestamp()) ? a : b);
            }
        }
        newest.forEach((type, e) -> {
            try {
                out.put(type, cluster.status(e.cid()).pinnedPeers().size());
            } catch (RuntimeException ex) {
                // unreachable cluster: the pins check reports it
            }
        });
        return out;
    }

    /** No successful backup for more than {@code maxAge} (26 h by default: a daily incremental may be a little late). */
    public Finding lastBackup(List<ManifestEntry> manifest, Instant now) {
        Optional<ManifestEntry> newest = manifest.stream().filter(e -> ManifestEntry.COMPLETE.equals(e.status()))
                .max(Comparator.comparing(ManifestEntry::timestamp));
        if (newest.isEmpty()) {
            return new Finding("last-backup", null, true, "the manifest holds no successful backup");
        }
        Duration age = Duration.between(newest.get().timestamp(), now);
        boolean firing = age.compareTo(maxAge) > 0;
        return new Finding("last-backup", null, firing, "the newest successful backup is " + newest.get().fileName() + " from "
                + newest.get().timestamp() + ", " + age.toHours() + " h ago (limit " + maxAge.toHours() + " h)");
    }

    /**
     * The oplog must reach back further than the time between two incrementals, or the next incremental finds a gap.
     * A capped oplog that is not yet nearly full (below 90% of its maximum) has not lost anything yet, so it does not
     * fire however short its history is.
     *
     * @param oldest time of the oldest entry, newest: of the newest (null: no oplog)
     * @param sizeBytes, maxSizeBytes the capped collection's size and maximum (maxSize 0: unknown)
     */
    public static Finding oplogWindow(Instant oldest, Instant newest, long sizeBytes, long maxSizeBytes, Duration incrementalInterval) {
        if (oldest == null || newest == null) {
            return new Finding("oplog-window", null, false, "no oplog (local.oplog.rs) to measure");
        }
        Duration window = Duration.between(oldest, newest);
        boolean wrapping = maxSizeBytes <= 0 || sizeBytes >= 0.9 * maxSizeBytes;
        boolean firing = wrapping && window.compareTo(incrementalInterval) < 0;
        return new Finding("oplog-window", null, firing, String.format("the oplog reaches back %d min (%s to %s, %d of %d bytes used); incrementals run "
                + "every %d min%s", window.toMinutes(), oldest, newest, sizeBytes, maxSizeBytes, incrementalInterval.toMinutes(),
                firing ? ": entries are overwritten before the next incremental can copy them; enlarge the oplog (replSetResizeOplog) or run "
                        + "incrementals more often" : ""));
    }

    /** The source oplog's oldest and newest entry times (null: no oplog) and its size and maximum size in bytes. */
    public record OplogSpan(Instant oldest, Instant newest, long sizeBytes, long maxSizeBytes) {
        /** Time between the oldest and the newest entry; null without an oplog. */
        public Duration window() {
            return oldest == null || newest == null ? null : Duration.between(oldest, newest);
        }
    }

    /** Reads the oplog's oldest and newest entries and its size from the replica set (the source MongoDB). */
    public static Finding oplogWindow(com.mongodb.client.MongoClient client, Duration incrementalInterval) {
        OplogSpan s = oplogSpan(client);
        return oplogWindow(s.oldest(), s.newest(), s.sizeBytes(), s.maxSizeBytes(), incrementalInterval);
    }

    /** The oplog as it is now: first and last entry, size (collStats; 0 where the server does not say). */
    public static OplogSpan oplogSpan(com.mongodb.client.MongoClient client) {
        var local = client.getDatabase("local");
        var oplog = local.getCollection("oplog.rs");
        org.bson.Document first = oplog.find().sort(new org.bson.Document("$natural", 1)).limit(1).first();
        org.bson.Document last = oplog.find().sort(new org.bson.Document("$natural", -1)).limit(1).first();
        if (first == null || last == null) {
            return new OplogSpan(null, null, 0, 0);
        }
        long size = 0;
        long max = 0;
        try {
            org.bson.Document stats = local.runCommand(new org.bson.Document("collStats", "oplog.rs"));
            size = ((Number) stats.getOrDefault("size", 0)).longValue();
            max = ((Number) stats.getOrDefault("maxSize", 0)).longValue();
        } catch (RuntimeException e) {
            // a server without collStats on the oplog: judge by the window alone
        }
        return new OplogSpan(time(first), time(last), size, max);
    }

    private static Instant time(org.bson.Document entry) {
        org.bson.BsonTimestamp ts = entry.get("ts", org.bson.BsonTimestamp.class);
        return Instant.ofEpochSecond(Integer.toUnsignedLong(ts.getTime()));
    }

    /** The time between the next two runs of a Quartz cron expression: how often incrementals run. */
    public static Duration interval(String quartzCron) {
        try {
            org.quartz.CronExpression c = new org.quartz.CronExpression(quartzCron);
            c.setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
            java.util.Date a = c.getNextValidTimeAfter(new java.util.Date());
            java.util.Date b = c.getNextValidTimeAfter(a);
            return Duration.between(a.toInstant(), b.toInstant());
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Each IPFS node's repository use against its StorageMax; an unreachable node is reported as such. */
    public List<Finding> storage() {
        List<Finding> out = new ArrayList<>();
        for (URI node : nodes) {
            try {
                KuboClient.RepoStat s = kubo.repoStat(node);
                boolean firing = s.usedPercent() > storageThresholdPercent;
                out.add(new Finding("storage", node.toString(), firing, String.format("IPFS node %s uses %.1f%% of its StorageMax (%d of %d bytes; "
                        + "threshold %.0f%%)", node, s.usedPercent(), s.repoSize(), s.storageMax(), storageThresholdPercent)));
            } catch (RuntimeException e) {
                out.add(new Finding("storage", node.toString(), false, "IPFS node " + node + " did not answer repo/stat: " + e.getMessage()));
            }
        }
        return out;
    }
}
