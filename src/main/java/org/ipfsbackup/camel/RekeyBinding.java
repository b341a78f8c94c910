package org.ipfsbackup.camel;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.time.Clock;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.bson.Document;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.job.BackupLock;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.manifest.ManifestRekey;
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

    private final JobBinding jobs;
    private final BackupLock lock;
    private final BackupCipher cipher;
    private final MongoCollection<Document> backups;
    private final MongoCollection<Document> state;
    private final Clock clock;

    public RekeyBinding(JobBinding jobs, BackupLock lock, BackupCipher cipher, MongoClient mongo, String database,
                        String collection, String stateCollection, Clock clock) {
        this.jobs = jobs;
        this.lock = lock;
        this.cipher = cipher;
        this.backups = mongo.getDatabase(database).getCollection(collection);
        this.state = mongo.getDatabase(database).getCollection(stateCollection);
        this.clock = clock;
    }

    /** Never while a backup or retention runs: skipped, and said so. */
    public void start(Exchange exchange) {
        Message m = exchange.getMessage();
        m.removeHeaders("IpfsRekey*", DRY_RUN);
        if (!lock.tryAcquire("rekey")) {
            String reason = "a " + lock.holder() + " job is running; rekey did not run, try again when it has finished";
            LOG.info("step=rekey outcome=skipped reason=\"{}\"", reason);
            m.setHeader(BackupHeaders.SKIPPED, reason);
            exchange.setRouteStop(true);
            return;
        }
        jobs.lockTaken(exchange);
        jobs.workDir(exchange, "rekey_" + BackupNames.manifestFile(clock.instant()).replace("manifest_", "").replace(".json.enc", ""));
    }

    /** Re-wraps; header {@link #PUBLISH} says whether a new manifest version must be published. */
    public void rekey(Exchange exchange) {
        Message m = exchange.getMessage();
        boolean dryRun = Boolean.TRUE.equals(m.getHeader(DRY_RUN, Boolean.class));
        ManifestRekey.Result r = new ManifestRekey(backups, cipher, clock).run(dryRun);
        m.setHeader(RESULT, r);
        m.setHeader(PUBLISH, !dryRun && ManifestRekey.needsPublish(r, state.find(Filters.eq("_id", ManifestBinding.HEAD_ID)).first(), backups));
        m.setBody(null);
    }

    /** Ends the run: temp files and lock released. */
    public void finish(Exchange exchange) {
        jobs.cleanup(exchange);
        Message m = exchange.getMessage();
        if (Boolean.TRUE.equals(m.getHeader(PUBLISH))) {
            LOG.info("step=rekey manifestCid={} (the manifest copy in IPFS is now under key id {})",
                    m.getHeader(BackupHeaders.MANIFEST_CID), cipher.currentKeyId());
        }
    }

    /** Dead-letter handling: lock and temp files released, failure recorded. */
    public void failed(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = org.ipfsbackup.config.Masking.maskUri(JobBinding.describe(cause));
        exchange.getMessage().setHeader(FAILURE, reason);
        LOG.error("step=rekey outcome=failed route={} error={}", exchange.getProperty(Exchange.FAILURE_ROUTE_ID), reason);
        jobs.cleanup(exchange);
    }
}
