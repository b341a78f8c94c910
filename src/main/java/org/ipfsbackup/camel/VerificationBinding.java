package org.ipfsbackup.camel;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.bson.Document;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.restore.BackupVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the scheduled verification: one recorded backup, picked at random, is downloaded, hash-checked, decrypted
 * and listed; the outcome is stored on its manifest entry ({@code lastVerifiedAt}, {@code verification}).
 */
public class VerificationBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.verify");
    public static final String RESULT = "IpfsVerificationResult";
    private final BackupVerifier verifier;
    private final Clock clock;
    private final Random random = new Random();

    /** @param verifier null when no IPFS node is configured to download from (IPFS_NODES empty): verification is skipped */
    public VerificationBinding(BackupVerifier verifier, Clock clock) {
        this.verifier = verifier;
        this.clock = clock;
    }

    /**
     * Body: the manifest documents. Header {@link #RESULT} becomes the outcome and the body the camel-mongodb update
     * recording it; without a backup to verify (or a node to download from: IPFS_NODES) no {@link #RESULT} is set and
     * the route stops.
     */
    @SuppressWarnings("unchecked")
    public void verifyRandom(Exchange exchange) {
        Message m = exchange.getMessage();
        List<ManifestEntry> complete = new ArrayList<>();
        for (Document d : (List<Document>) m.getBody(List.class)) {
            ManifestEntry e = ManifestEntry.fromDocument(d);
            if (ManifestEntry.COMPLETE.equals(e.status())) {
                complete.add(e);
            }
        }
        if (verifier == null) {
            LOG.warn("step=verify skipped: no IPFS node to download from (IPFS_NODES)");
            m.setBody(null);
            return;
        }
        if (complete.isEmpty()) {
            LOG.info("step=verify nothing to verify: the manifest holds no backup");
            m.setBody(null);
            return;
        }
        ManifestEntry e = complete.get(random.nextInt(complete.size()));
        BackupVerifier.Result r = verifier.verify(e);
        LOG.info("step=verify backup={} cid={} outcome={}", e.fileName(), e.cid(), r.summary());
        m.setHeader(RESULT, r);
        m.setHeader(BackupHeaders.TYPE, e.type());
        m.setHeader(BackupHeaders.NAME, e.fileName());
        m.setBody(List.of(Filters.eq("_id", e.cid()),
                Updates.combine(Updates.set("lastVerifiedAt", Date.from(clock.instant())), Updates.set("verification", r.summary()))));
    }
}
