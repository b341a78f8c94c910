package org.ipfsbackup.camel;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.time.Clock;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.bson.Document;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.job.JobGuard;
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
    /** The job's kind (lock holder, {@link JobBinding#JOB}). */
    static final String JOB = "rekey";

    private final JobBinding jobs;
    private final BackupCipher cipher;
    private final MongoCollection<Document> backups;
    private final MongoCollection<Document> state;
    private final Clock clock;

    public RekeyBinding(JobBinding jobs, BackupCipher cipher, MongoClient mongo, String database, String collection, String stateCollection,
                        Clock clock) {
        this.jobs = jobs;
        this.cipher = cipher;
        this.backups = mongo.getDatabase(database).getCollection(collection);
        this.state = mongo.getDatabase(database).getCollection(stateCollection);
        this.clock = clock;
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
}
