package org.ipfsbackup.camel;

import com.mongodb.client.MongoClient;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.bson.Document;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.job.JobGuard;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestRepository;
import org.ipfsbackup.recovery.Adopter;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.recovery.OrphanPins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up recovery after a crash (kill -9 mid-backup): pins named like ours that the manifest does not know and that
 * are older than the grace period. A backup file is adopted when it verifies and fits the manifest
 * ({@link org.ipfsbackup.recovery.BackupAdopter}); everything else is unpinned; each one is logged with what was done
 * and why. Runs under the backup lock; when something was adopted, a new manifest version is published.
 */
public class RecoveryBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.recovery");
    /** Header: the {@code List<OrphanAction>} of the run. */
    public static final String REPORT = "IpfsRecoveryReport";
    /** Header: true when an orphan was adopted and the manifest must be published again. */
    public static final String PUBLISH = "IpfsRecoveryPublish";
    /** The job's kind (lock holder, {@link JobBinding#JOB}). */
    static final String JOB = "recovery";

    private final ClusterClient cluster;
    private final MongoClient mongo;
    private final String database;
    private final String collection;
    private final String stateCollection;
    private final String historyCollection;
    private final OrphanPins orphans;
    private final Clock clock;
    private Adopter adopter;
    private JobBinding jobs;

    public RecoveryBinding(ClusterClient cluster, MongoClient mongo, String database, String collection, String stateCollection,
                           String historyCollection, java.time.Duration grace, Clock clock) {
        this.cluster = cluster;
        this.mongo = mongo;
        this.database = database;
        this.collection = collection;
        this.stateCollection = stateCollection;
        this.historyCollection = historyCollection;
        this.orphans = new OrphanPins(grace, clock);
        this.clock = clock;
    }

    /** Adoption (null: every orphan is unpinned) and the job frame (the lock shared with backups, the job directories). */
    public void use(Adopter adopter, JobBinding jobs) {
        this.adopter = adopter;
        this.jobs = jobs;
    }

    private ManifestRepository repository() {
        return new ManifestRepository(mongo, database, collection, stateCollection);
    }

    /** The entries of the manifest (for the adopter's checks). */
    public List<ManifestEntry> entries() {
        return repository().all();
    }

    /** Finds the orphans and adopts or unpins each (the caller holds the lock). */
    public List<OrphanAction> recoverOrphanPins() {
        Set<String> known = new HashSet<>();
        ManifestRepository repo = repository();
        repo.all().stream().map(ManifestEntry::cid).forEach(known::add);
        repo.headManifestCid().ifPresent(known::add);
        for (Document d : mongo.getDatabase(database).getCollection(historyCollection).find()) {
            known.add(d.getString("_id"));
        }
        return orphans.resolve(cluster.allocations(), known, adopter, cluster::unpin);
    }

    /** Route step: takes the backup lock; skipped ({@link BackupHeaders#SKIPPED}; the route stops), and said so, when a job holds it. */
    public void start(Exchange exchange) {
        if (!jobs.start(exchange, JOB, t -> JobGuard.runName(JOB, t), "orphan pins are looked at next start")) {
            exchange.getMessage().setHeader(REPORT, List.of());
        }
    }

    /** Route step (under the lock): adopt or unpin the orphans; {@link #PUBLISH} says whether the manifest must be published. */
    public void recover(Exchange exchange) {
        Message m = exchange.getMessage();
        List<OrphanAction> report = recoverOrphanPins();
        long adopted = report.stream().filter(OrphanAction::adopted).count();
        LOG.info("step=recovery outcome=done orphans={} adopted={} unpinned={} failed={}", report.size(), adopted,
                report.stream().filter(OrphanAction::unpinned).count(), report.stream().filter(OrphanAction::failed).count());
        m.setHeader(REPORT, report);
        m.setHeader(PUBLISH, adopted > 0);
    }

    /** Route step: temp files removed, lock released. */
    public void finish(Exchange exchange) {
        jobs.cleanup(exchange);
    }
}
