package org.ipfsbackup.camel;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.ipfs.ClusterPin;
import org.ipfsbackup.job.JobGuard;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.manifest.ManifestVersions;
import org.ipfsbackup.recovery.ManifestOrphans;
import org.ipfsbackup.recovery.Adopter;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.recovery.OrphanPins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up recovery after a crash (kill -9 mid-backup): pins named like ours that the manifest does not know and that
 * are older than the grace period. A backup file is adopted when it verifies and fits the manifest
 * ({@link org.ipfsbackup.recovery.BackupAdopter}); a manifest version is kept while it is still needed
 * ({@link org.ipfsbackup.manifest.ManifestVersions}); everything else is unpinned; each one is logged with what was
 * done and why. Runs under the backup lock; when something was adopted, a new manifest version is published.
 */
public class RecoveryBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.recovery");
    /** Header: the {@code List<OrphanAction>} of the run. */
    public static final String REPORT = "IpfsRecoveryReport";
    /** Header: true when an orphan was adopted and the manifest must be published again. */
    public static final String PUBLISH = "IpfsRecoveryPublish";
    /** The job's kind (lock holder, {@link JobBinding#JOB}). */
    static final String JOB = "recovery";

    /** Set after construction ({@link #use}, {@link #readManifestsWith}). */
    private Adopter adopter;
    private ManifestOrphans.Reader manifestReader;
    private JobBinding jobs;
    private final ClusterClient cluster;
    private final ManifestStore store;
    private final OrphanPins orphans;
    private final Clock clock;

    public RecoveryBinding(ClusterClient cluster, ManifestStore store, java.time.Duration grace, Clock clock) {
        this.cluster = cluster;
        this.store = store;
        this.orphans = new OrphanPins(grace, clock);
        this.clock = clock;
    }

    /** Adoption (null: every orphan is unpinned) and the job frame (the lock shared with backups, the job directories). */
    public void use(Adopter adopter, JobBinding jobs) {
        this.adopter = adopter;
        this.jobs = jobs;
    }

    /** Reads manifest versions the database does not list (null: such versions are kept, they cannot be read). */
    public void readManifestsWith(ManifestOrphans.Reader reader) {
        this.manifestReader = reader;
    }


    /**
     * Finds the orphans and adopts or unpins each (the caller holds the lock). Manifest files are decided last
     * ({@link ManifestOrphans}): a version the head or a listed version links to, or one that names a live backup, is
     * kept, and listed again in the history collection, so the next start and retention know it.
     */
    public List<OrphanAction> recoverOrphanPins() {
        Set<String> known = new HashSet<>();
        Set<String> recorded = new HashSet<>();
        for (ManifestEntry e : store.all()) {
            known.add(e.cid());
            if (ManifestEntry.COMPLETE.equals(e.status())) {
                recorded.add(e.cid());
            }
        }
        Map<String, ManifestVersions.Version> listed = new HashMap<>();
        store.versions().forEach(v -> listed.put(v.cid(), v));
        var head = store.head();
        String headCid = head.map(ManifestStore.Head::cid).orElse(null);
        head.ifPresent(h -> listed.putIfAbsent(h.cid(), h.version()));
        known.addAll(listed.keySet());
        List<ClusterPin> pins = cluster.allocations();
        Set<String> pinned = new HashSet<>();
        pins.forEach(p -> pinned.add(p.cid()));
        ManifestOrphans keeper = new ManifestOrphans(headCid, listed, recorded, pinned, manifestReader);
        List<OrphanAction> report = orphans.resolve(pins, known, adopter, keeper, cluster::unpin);
        relist(report, keeper.decisions());
        return report;
    }

    /**
     * Every kept manifest version is listed in the history collection again, with its link, so that the next start
     * and retention know it. A version kept only because a kept version links to it was not read to decide that: it
     * is read now for its own link (when it cannot be read, it stays unlisted and is decided again next start).
     */
    private void relist(List<OrphanAction> report, Map<String, ManifestVersions.Decision> decisions) {
        for (OrphanAction a : report) {
            ManifestVersions.Decision d = decisions.get(a.pin().cid());
            if (!a.kept() || d == null) {
                continue;
            }
            ManifestVersions.Version v = d.version();
            if (v == null) {
                try {
                    v = manifestReader == null ? null : ManifestVersions.Version.read(d.cid(), manifestReader.read(d.cid()));
                } catch (Exception e) {
                    LOG.warn("step=recovery manifest version {} is kept but could not be read to list it again: {}", d.cid(), e.getMessage());
                }
                if (v == null) {
                    continue;
                }
            }
            try {
                store.relist(v, clock.instant());
                LOG.info("step=recovery manifest version {} listed again in the history (previous {})", v.cid(), v.previous());
            } catch (RuntimeException e) {
                LOG.warn("step=recovery manifest version {} is kept but could not be listed again: {}", v.cid(), e.getMessage());
            }
        }
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
