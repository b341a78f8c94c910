package org.ipfsbackup.camel;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.job.JobGuard;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.manifest.ManifestVersions;
import org.ipfsbackup.retention.RetentionDecision;
import org.ipfsbackup.retention.RetentionPolicy;
import org.ipfsbackup.retention.RetentionSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the retention routes: the policy ({@link RetentionPolicy}) decides from the manifest and a clock; this
 * class unpins in batches, builds the manifest updates and prunes the superseded manifest versions no longer needed.
 */
public class RetentionBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.retention");
    /** Optional input: the time retention runs as (default now), e.g. for `retention --now`. */
    public static final String NOW = "IpfsRetentionNow";
    public static final String DECISIONS = "IpfsRetentionDecisions";
    public static final String UNPINNED = "IpfsRetentionUnpinned";
    public static final String FAILED = "IpfsRetentionFailed";
    public static final String CHANGED = "IpfsRetentionChanged";
    public static final String FAILURE = "IpfsRetentionFailure";
    /** The job's kind (lock holder, {@link JobBinding#JOB}). */
    static final String JOB = "retention";

    private final RetentionSettings settings;
    private final ManifestStore store;
    private final JobBinding jobs;
    private final ClusterClient cluster;
    private final Clock clock;
    private final int batchSize;
    private final int manifestVersions;
    private org.ipfsbackup.cache.BackupCache cache;

    public RetentionBinding(RetentionSettings settings, ManifestStore store, JobBinding jobs, ClusterClient cluster, Clock clock,
                            int batchSize, int manifestVersions) {
        this.settings = settings;
        this.store = store;
        this.jobs = jobs;
        this.cluster = cluster;
        this.clock = clock;
        this.batchSize = batchSize;
        this.manifestVersions = manifestVersions;
    }

    /** Expired backups' files are removed from the local cache too (null: no cache). */
    public RetentionBinding removingCached(org.ipfsbackup.cache.BackupCache cache) {
        this.cache = cache;
        return this;
    }

    /** Never at the same time as a backup: skipped ({@link BackupHeaders#SKIPPED}; the route stops) when a job holds the lock. */
    public void start(Exchange exchange) {
        Message m = exchange.getMessage();
        m.removeHeaders("IpfsRetention*", NOW);
        Instant now = now(m);
        jobs.start(exchange, JOB, t -> JobGuard.runName(JOB, now), "retention is skipped this time");
        m.setBody(null);
    }

    /** Body: every manifest entry. Header {@link #DECISIONS}: one decision per complete backup, with its reason. */
    @SuppressWarnings("unchecked")
    public void decide(Exchange exchange) {
        Message m = exchange.getMessage();
        List<ManifestEntry> entries = m.getBody(List.class);
        Instant now = now(m);
        List<RetentionDecision> decisions = new RetentionPolicy(settings, Clock.fixed(now, ZoneOffset.UTC)).decide(entries);
        for (RetentionDecision d : decisions) {
            LOG.info("step=retention decision={} type={} cid={} time={} reason=\"{}\"", d.expire() ? "expire" : "keep", d.entry().type(),
                    d.entry().cid(), d.entry().timestamp(), d.reason());
        }
        m.setHeader(DECISIONS, decisions);
        m.setBody(null);
    }

    /**
     * Unpins the expired backups from the cluster in batches. A 404 means already gone, which is fine. Failures are
     * kept per CID: those entries stay as they are and are tried again next run; the rest complete.
     */
    @SuppressWarnings("unchecked")
    public void unpinExpired(Exchange exchange) {
        Message m = exchange.getMessage();
        List<RetentionDecision> decisions = m.getHeader(DECISIONS, List.class);
        List<String> expired = decisions.stream().filter(RetentionDecision::expire).map(d -> d.entry().cid()).toList();
        List<String> unpinned = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        for (int i = 0; i < expired.size(); i += batchSize) {
            List<String> batch = expired.subList(i, Math.min(expired.size(), i + batchSize));
            for (String cid : batch) {
                try {
                    boolean removed = cluster.unpin(cid);
                    unpinned.add(cid);
                    removeCached(cid);
                    LOG.info("step=retention unpinned cid={}{}", cid, removed ? "" : " (was not pinned any more)");
                } catch (RuntimeException e) {
                    failed.put(cid, e.getMessage());
                    LOG.warn("step=retention unpin failed cid={} error=\"{}\" (kept in the manifest, tried again next run)", cid, e.getMessage());
                }
            }
            LOG.info("step=retention batch {} of {}: {} unpinned, {} failed so far", i / batchSize + 1,
                    (expired.size() + batchSize - 1) / batchSize, unpinned.size(), failed.size());
        }
        m.setHeader(UNPINNED, unpinned);
        m.setHeader(FAILED, failed);
        m.setHeader(CHANGED, !unpinned.isEmpty());
    }

    /** Marks the unpinned entries ({@link #UNPINNED}) deleted, with the time. */
    @SuppressWarnings("unchecked")
    public void markDeleted(Exchange exchange) {
        Message m = exchange.getMessage();
        store.markDeleted(m.getHeader(UNPINNED, List.class), now(m));
    }

    /**
     * Unpins the superseded versions that are no longer needed
     * ({@link ManifestVersions}): kept are the head, the newest {@code retention.manifest-versions}, every version that
     * may name a live backup (published after the oldest backup still kept started) and what a kept version needs to
     * be read (a delta's chain back to its checkpoint). Their history entries are removed.
     */
    public void pruneManifestVersions(Exchange exchange) {
        Message m = exchange.getMessage();
        List<ManifestVersions.Version> history = store.versions(); // newest first
        Map<String, ManifestVersions.Version> listed = new LinkedHashMap<>();
        history.forEach(v -> listed.put(v.cid(), v));
        List<String> roots = new ArrayList<>();
        store.head().ifPresent(head -> {
            listed.putIfAbsent(head.cid(), new ManifestVersions.Version(head.cid(), head.previous(), null, null));
            roots.add(head.cid());
        });
        history.stream().limit(manifestVersions).map(ManifestVersions.Version::cid).forEach(roots::add);
        Instant oldestLive = oldestLiveBackup(m);
        Map<String, ManifestVersions.Decision> decisions = ManifestVersions.decide(
                history.stream().map(ManifestVersions.Version::cid).toList(), roots, listed.keySet(),
                v -> oldestLive != null && (v.createdAt() == null || !v.createdAt().isBefore(oldestLive)),
                cid -> listed.get(cid));
        List<String> removed = new ArrayList<>();
        for (ManifestVersions.Decision d : decisions.values()) {
            if (d.keep()) {
                LOG.debug("step=retention manifest version {} kept: {}", d.cid(), d.reason());
                continue;
            }
            try {
                cluster.unpin(d.cid());
                removed.add(d.cid());
                LOG.info("step=retention unpinned manifest version {}: {}", d.cid(), d.reason());
            } catch (RuntimeException e) {
                LOG.warn("step=retention could not unpin superseded manifest {}: {} (tried again next run)", d.cid(), e.getMessage());
            }
        }
        LOG.info("step=retention manifest versions: {} unpinned, {} kept (the head, the newest {}, those that may name a live "
                + "backup, and the versions they need to be read)", removed.size(), decisions.size() - removed.size(), manifestVersions);
        store.removeVersions(removed);
    }

    /** When the oldest backup that is still kept (a complete entry not unpinned in this run) started; null when none is. */
    @SuppressWarnings("unchecked")
    private static Instant oldestLiveBackup(Message m) {
        List<RetentionDecision> decisions = m.getHeader(DECISIONS, List.class);
        List<String> unpinned = m.getHeader(UNPINNED, List.class);
        return decisions == null ? null : decisions.stream().map(RetentionDecision::entry)
                .filter(e -> unpinned == null || !unpinned.contains(e.cid())).map(ManifestEntry::timestamp)
                .min(Comparator.naturalOrder()).orElse(null);
    }

    /** Ends the run: temp files and lock released; when some unpins failed, the failure goes to the dead-letter route. */
    @SuppressWarnings("unchecked")
    public void finish(Exchange exchange) {
        Message m = exchange.getMessage();
        List<RetentionDecision> decisions = m.getHeader(DECISIONS, List.class);
        Map<String, String> failed = m.getHeader(FAILED, Map.class);
        List<String> unpinned = m.getHeader(UNPINNED, List.class);
        release(exchange);
        LOG.info("step=retention outcome={} unpinned={} kept={} failed={}", failed.isEmpty() ? "success" : "partial", unpinned.size(),
                decisions.stream().filter(d -> !d.expire()).count(), failed.size());
        if (!failed.isEmpty()) {
            throw new IllegalStateException(failed.size() + " unpin(s) failed, those backups stay in the manifest and are retried next run: " + failed);
        }
    }

    private void release(Exchange exchange) {
        jobs.cleanup(exchange); // the same as a backup job: its work directory, then the lock
    }

    private Instant now(Message m) {
        Instant now = m.getHeader(NOW, Instant.class);
        return now != null ? now : clock.instant();
    }

    /** A cache failure is logged; the backup is unpinned either way and the file goes with the next eviction. */
    private void removeCached(String cid) {
        try {
            if (cache != null) {
                cache.remove(cid);
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("step=retention cid={} could not remove its file from the local cache: {}", cid, e.toString());
        }
    }
}
