package org.ipfsbackup.camel;

import java.time.Clock;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.job.JobGuard;
import org.ipfsbackup.manifest.ManifestRekey;
import org.ipfsbackup.manifest.ManifestStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds {@code routes/rekey.camel.yaml}: under the backup lock, every manifest entry's data key is re-wrapped under the
 * current master key ({@link ManifestRekey}), then a new manifest version is published through
 * {@code direct:manifest-publish}, as after a backup or retention.
 */
public class RekeyBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.rekey");
    public static final String DRY_RUN = "IpfsRekeyDryRun";
    public static final String RESULT = "IpfsRekeyResult";
    public static final String PUBLISH = "IpfsRekeyPublish";
    public static final String FAILURE = "IpfsRekeyFailure";
    /** The job's kind (lock holder, {@link JobBinding#JOB}). */
    static final String JOB = "rekey";

    private final JobBinding jobs;
    private final ManifestRekey rekey;

    public RekeyBinding(JobBinding jobs, BackupCipher cipher, ManifestStore store, Clock clock) {
        this.jobs = jobs;
        this.rekey = new ManifestRekey(store, cipher, clock);
    }

    /** Never while a backup or retention runs: skipped ({@link BackupHeaders#SKIPPED}; the route stops), and said so. */
    public void start(Exchange exchange) {
        exchange.getMessage().removeHeaders("IpfsRekey*", DRY_RUN);
        jobs.start(exchange, JOB, t -> JobGuard.runName(JOB, t), "rekey did not run, try again when it has finished");
    }

    /** Re-wraps; header {@link #PUBLISH} says whether a new manifest version must be published. */
    public void rekey(Exchange exchange) {
        Message m = exchange.getMessage();
        boolean dryRun = Boolean.TRUE.equals(m.getHeader(DRY_RUN, Boolean.class));
        ManifestRekey.Result r = rekey.run(dryRun);
        m.setHeader(RESULT, r);
        m.setHeader(PUBLISH, !dryRun && rekey.needsPublish(r));
        m.setBody(null);
    }

    /** Ends the run: temp files and lock released. */
    public void finish(Exchange exchange) {
        jobs.cleanup(exchange);
        Message m = exchange.getMessage();
        if (Boolean.TRUE.equals(m.getHeader(PUBLISH))) {
            LOG.info("step=rekey manifestCid={} (the manifest copy in IPFS is now under key id {})",
                    m.getHeader(BackupHeaders.MANIFEST_CID), rekey.cipher().currentKeyId());
        }
    }
}
