package org.ipfsbackup.camel;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.ipfs.AddResult;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.ipfs.PinStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the upload and pin-verify steps to the one {@link ClusterClient} (its failover between the cluster nodes and
 * its transient/permanent classification, which the routes' dead-letter channel uses for redelivery): the upload
 * streams the file to {@code POST /add}; pin verification polls {@code GET /pins/{cid}}.
 */
public class IpfsBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.ipfs");
    private final IpfsSettings settings;
    private final ClusterClient cluster;
    private final Clock clock;

    public IpfsBinding(IpfsSettings settings, ClusterClient cluster, Clock clock) {
        this.settings = settings;
        this.cluster = cluster;
        this.clock = clock;
    }

    /**
     * Uploads {@link BackupHeaders#ADD_FILE} (named {@link BackupHeaders#ADD_NAME}, pinned with type
     * {@link BackupHeaders#ADD_KIND}) through the cluster client, streamed from the file; sets
     * {@link BackupHeaders#ADD_CID} and {@link BackupHeaders#ADD_ALLOCATIONS}.
     */
    public void add(Exchange exchange) {
        Message m = exchange.getMessage();
        Path file = Path.of(m.getHeader(BackupHeaders.ADD_FILE, String.class));
        String name = m.getHeader(BackupHeaders.ADD_NAME, String.class);
        long bytes = file.toFile().length();
        exchange.setProperty(BackupHeaders.STEP_BYTES, bytes);
        LOG.info("upload={} step=upload bytes={} replication={}", name, bytes, settings.replicationFactor());
        AddResult r = cluster.add(file, name, m.getHeader(BackupHeaders.ADD_KIND, String.class), clock.instant());
        m.setHeader(BackupHeaders.ADD_CID, r.cid());
        m.setHeader(BackupHeaders.ADD_ALLOCATIONS, r.allocations());
        LOG.info("upload={} step=upload cid={} allocations={}", name, r.cid(), r.allocations());
    }

    /** Waits until every allocated peer (at least the replication factor) reports the CID pinned. */
    public void verifyPinned(Exchange exchange) {
        Message m = exchange.getMessage();
        String cid = m.getHeader(BackupHeaders.ADD_CID, String.class);
        long t0 = System.nanoTime();
        PinStatus s = cluster.awaitPinned(cid, settings.replicationFactor(), settings.pinTimeout());
        List<String> peers = s.pinnedPeers();
        m.setHeader(BackupHeaders.ADD_PEERS, peers);
        LOG.info("upload={} step=pin-verify cid={} pinnedOn={} durationMs={}", m.getHeader(BackupHeaders.ADD_NAME), cid, peers,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Dead-letter clean-up: content that reached the cluster for a backup that then failed is unpinned, so no pin
     * exists that the manifest does not know. Best effort: a failure here is logged with the CID to remove by hand.
     */
    public void unpinUnrecorded(Exchange exchange) {
        Message m = exchange.getMessage();
        String cid = m.getHeader(BackupHeaders.ADD_CID, String.class);
        if (cid == null || Boolean.TRUE.equals(m.getHeader(BackupHeaders.RECORDED, Boolean.class))) {
            return;
        }
        if (m.getHeader(BackupHeaders.KEEP_PIN) != null) {
            LOG.warn("upload={} failed after reaching the cluster: {} is kept pinned for start-up recovery ({})",
                    m.getHeader(BackupHeaders.ADD_NAME), cid, m.getHeader(BackupHeaders.KEEP_PIN));
            return;
        }
        try {
            boolean removed = cluster.unpin(cid);
            LOG.warn("upload={} failed after reaching the cluster: unpinned {} ({})", m.getHeader(BackupHeaders.ADD_NAME), cid,
                    removed ? "removed" : "was not pinned");
        } catch (RuntimeException e) {
            LOG.error("upload={} failed after reaching the cluster and {} could not be unpinned: {}; remove it with "
                    + "'ipfs-cluster-ctl pin rm {}'", m.getHeader(BackupHeaders.ADD_NAME), cid, e.getMessage(), cid);
        }
    }

}
