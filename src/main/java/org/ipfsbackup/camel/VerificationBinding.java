package org.ipfsbackup.camel;

import java.time.Clock;
import java.util.List;
import java.util.Random;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.restore.BackupVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the scheduled verification: one recorded backup, picked at random (a kind first: {@link org.ipfsbackup.restore.BackupVerifier#pick}), is downloaded, hash-checked, decrypted
 * and listed; the outcome is stored on its manifest entry ({@code lastVerifiedAt}, {@code verification}).
 */
public class VerificationBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.verify");
    public static final String RESULT = "IpfsVerificationResult";
    /** The CID of the backup verified. */
    public static final String VERIFIED_CID = "IpfsVerificationCid";
    private final BackupVerifier verifier;
    private final ManifestStore store;
    private final Clock clock;
    private final Random random = new Random();

    /** @param verifier null when no IPFS node is configured to download from (IPFS_NODES empty): verification is skipped */
    public VerificationBinding(BackupVerifier verifier, ManifestStore store, Clock clock) {
        this.verifier = verifier;
        this.store = store;
        this.clock = clock;
    }

    /**
     * Body: the manifest entries. Header {@link #RESULT} becomes the outcome ({@link #record} stores it); without a backup to verify (or a node to download from: IPFS_NODES) no {@link #RESULT} is set and
     * the route stops.
     */
    @SuppressWarnings("unchecked")
    public void verifyRandom(Exchange exchange) {
        Message m = exchange.getMessage();
        List<ManifestEntry> complete = ((List<ManifestEntry>) m.getBody(List.class)).stream()
                .filter(e -> ManifestEntry.COMPLETE.equals(e.status())).toList();
        m.setBody(null);
        if (verifier == null) {
            LOG.warn("step=verify skipped: no IPFS node to download from (IPFS_NODES)");
            return;
        }
        if (complete.isEmpty()) {
            LOG.info("step=verify nothing to verify: the manifest holds no backup");
            return;
        }
        ManifestEntry e = org.ipfsbackup.restore.BackupVerifier.pick(complete, random);
        BackupVerifier.Result r = verifier.verify(e);
        LOG.info("step=verify backup={} cid={} outcome={}", e.fileName(), e.cid(), r.summary());
        m.setHeader(RESULT, r);
        m.setHeader(BackupHeaders.TYPE, e.type());
        m.setHeader(BackupHeaders.NAME, e.fileName());
        m.setHeader(VERIFIED_CID, e.cid());
    }

    /** Stores the outcome ({@link #RESULT}) on the verified backup's manifest entry. */
    public void record(Exchange exchange) {
        Message m = exchange.getMessage();
        store.recordVerification(m.getHeader(VERIFIED_CID, String.class), clock.instant(),
                m.getHeader(RESULT, BackupVerifier.Result.class).summary());
    }
}
