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
