package org.ipfsbackup.camel;

import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.dump.OplogGapException;
import org.ipfsbackup.manifest.BackupChains;
import org.ipfsbackup.manifest.ManifestEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the planning of an incremental: where it continues the chain (from the manifest entries in the body). */
public class ChainBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.job");
    private final JobBinding jobs;

    public ChainBinding(JobBinding jobs) {
        this.jobs = jobs;
    }

    @SuppressWarnings("unchecked")
    public void planIncremental(Exchange exchange) {
        Message m = exchange.getMessage();
        List<ManifestEntry> entries = m.getBody(List.class);
        m.setBody(null);
        var plan = BackupChains.planIncremental(entries);
        if (plan.isEmpty() && isSlice(m)) {
            // a slice never becomes a full (the full schedule and the daily incremental start chains): nothing to do yet
            String why = "no full backup with an oplog position to build on: a slice only continues a chain (the next full"
                    + " or the daily incremental starts one)";
            m.setHeader(BackupHeaders.SKIPPED, why);
            LOG.info("backup={} step=plan outcome=skipped slice=true reason=\"{}\"", m.getHeader(BackupHeaders.NAME), why);
            return;
        }
        if (plan.isEmpty()) {
            jobs.switchToFull(exchange, "no full backup with an oplog position to build on");
            return;
        }
        m.setHeader(BackupHeaders.BASE_BACKUP, plan.get().baseBackup());
        m.setHeader(BackupHeaders.PREVIOUS_BACKUP, plan.get().previous());
        m.setHeader(BackupHeaders.OPLOG_AFTER, plan.get().after().toString());
        LOG.info("backup={} step=plan base={} previous={} after={}{}", m.getHeader(BackupHeaders.NAME), plan.get().baseBackup(),
                plan.get().previous(), plan.get().after(), isSlice(m) ? " slice=true" : "");
    }

    /**
     * A slice met an oplog gap (the exception caught by the route's doCatch): it fails, naming the gap (the previous
     * backup's end and the oldest entry left) and what starts a new chain. Nothing runs in its place.
     */
    public void sliceChainBroken(Exchange exchange) throws OplogGapException {
        OplogGapException gap = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, OplogGapException.class);
        String prefix = gap.engine() + " engine: ";
        String what = gap.getMessage().startsWith(prefix) ? gap.getMessage().substring(prefix.length()) : gap.getMessage();
        throw new OplogGapException(gap.engine(), gap.after(), gap.oldest(), what + ". The slice is not recorded and no full"
                + " runs in its place: slices fail until the next full backup (FULL_BACKUP_SCHEDULE, or `ipfs-backup backup full`"
                + " now) or the daily incremental (which becomes a full on a gap) starts a new chain");
    }

    /** Whether the incremental is an oplog slice ({@link BackupHeaders#SLICE}, set by direct:backup-slice). */
    static boolean isSlice(Message m) {
        Object v = m.getHeader(BackupHeaders.SLICE);
        return v != null && Boolean.parseBoolean(v.toString());
    }
}
