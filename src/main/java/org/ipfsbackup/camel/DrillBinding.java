package org.ipfsbackup.camel;

import com.mongodb.client.MongoClient;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.drill.RestoreDrill;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.observe.BackupMetrics;
import org.ipfsbackup.restore.PointInTimeRestore;
import org.ipfsbackup.restore.RestoreOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the scheduled restore drill ({@link RestoreDrill}): the newest chain restored into RESTORE_DRILL_TARGET_URI
 * and proved by the content digests of its full backup; the outcome goes on the full's manifest entry and the drill
 * metrics. Without a target (RESTORE_DRILL_TARGET_URI empty) or an IPFS node to download from, no outcome is set and
 * the route stops.
 */
public class DrillBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.drill");
    public static final String OUTCOME = "IpfsDrillOutcome";

    /** What a drill needs: the target (null: drills are off) and the restore that writes into it. */
    public record Target(String uri, PointInTimeRestore restore, Set<String> excluded) {
    }

    private final Target target;
    private final ManifestStore store;
    private final BackupMetrics metrics;
    private final Clock clock;

    public DrillBinding(Target target, ManifestStore store, BackupMetrics metrics, Clock clock) {
        this.target = target;
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Body: the manifest entries. Header {@link #OUTCOME}: the drill's outcome (none when drills are off). */
    @SuppressWarnings("unchecked")
    public void run(Exchange exchange) {
        Message m = exchange.getMessage();
        List<ManifestEntry> entries = (List<ManifestEntry>) m.getBody(List.class);
        m.setBody(null);
        if (target == null) {
            LOG.info("step=drill skipped: no RESTORE_DRILL_TARGET_URI (or no IPFS node to download from: IPFS_NODES)");
            return;
        }
        try (MongoClient client = org.ipfsbackup.mongo.MongoConnections.create(target.uri())) {
            RestoreDrill.Outcome o = new RestoreDrill(clock, LOG::info).run(entries, client, target.excluded(),
                    plan -> target.restore().restore(plan, client, target.uri(), new RestoreOptions(true, List.of(), ""), null).namespaces());
            LOG.info("step=drill full={} outcome={} restoreMs={}", o.full().cid(), o.text(), o.restore().toMillis());
            m.setHeader(OUTCOME, o);
            m.setHeader(BackupHeaders.NAME, o.full().fileName());
        }
    }

    /** Stores the outcome ({@link #OUTCOME}) on the full backup's manifest entry and in the drill metrics. */
    public void record(Exchange exchange) {
        RestoreDrill.Outcome o = exchange.getMessage().getHeader(OUTCOME, RestoreDrill.Outcome.class);
        store.recordDrill(o.full().cid(), o.at(), o.text(), o.restore().toMillis());
        if (metrics != null) {
            metrics.drill(o.passed(), o.restore());
        }
    }
}
