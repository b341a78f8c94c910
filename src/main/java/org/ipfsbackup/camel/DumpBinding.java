package org.ipfsbackup.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.dump.DumpEngine;
import org.ipfsbackup.dump.DumpResult;
import org.ipfsbackup.mongo.OplogPosition;
import org.ipfsbackup.job.WorkDirectories;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the dump step: a full dump, or for an incremental the oplog entries after the previous backup's
 * {@code oplogEnd}, into {@code <work dir>/dump} (emptied first). When the oplog no longer reaches back to that
 * position the chain is broken ({@link org.ipfsbackup.dump.OplogGapException}); what happens then (a full in its place,
 * or the backup fails) is decided in {@code routes/backup-dump.camel.yaml}.
 */
public class DumpBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.dump");
    private final DumpEngine engine;

    public DumpBinding(DumpEngine engine) {
        this.engine = engine;
    }

    public void dump(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Path dir = Path.of(m.getHeader(BackupHeaders.WORK_DIR, String.class)).resolve("dump");
        if (Files.exists(dir)) {
            WorkDirectories.deleteTree(dir); // what a failed oplog dump left before the full in its place
        }
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        DumpResult r;
        if ("incremental".equals(m.getHeader(BackupHeaders.TYPE, String.class))) {
            r = engine.dumpOplog(OplogPosition.parse(m.getHeader(BackupHeaders.OPLOG_AFTER, String.class)), dir);
        } else {
            r = engine.dumpFull(dir);
        }
        m.setHeader(BackupHeaders.DUMP_DIR, dir.toString());
        m.setHeader(BackupHeaders.DUMP_RESULT, r);
        exchange.setProperty(BackupHeaders.STEP_BYTES, r.bytes());
        LOG.info("backup={} step=dump engine={} databases={} collections={} documents={} oplogOperations={} bytes={} oplogStart={} oplogEnd={} durationMs={}",
                m.getHeader(BackupHeaders.NAME), r.engine(), r.databases(), r.collections(), r.documents(), r.oplogOperations(),
                r.bytes(), r.oplogStart(), r.oplogEnd(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Writes {@link org.ipfsbackup.manifest.BackupInfo} into the dump directory, so the archive describes itself and
     * start-up recovery can adopt an upload whose manifest entry was never written (kill -9 between upload and record).
     */
    public void describe(Exchange exchange) throws java.io.IOException {
        Message m = exchange.getMessage();
        DumpResult r = m.getHeader(BackupHeaders.DUMP_RESULT, DumpResult.class);
        new org.ipfsbackup.manifest.BackupInfo(org.ipfsbackup.manifest.BackupInfo.VERSION, m.getHeader(BackupHeaders.NAME, String.class),
                m.getHeader(BackupHeaders.TYPE, String.class), m.getHeader(BackupHeaders.STARTED, java.time.Instant.class), r.databases(),
                r.mongodbVersion(), r.replicaSet(), r.engine(), r.collections(), r.documents(),
                r.oplogStart() == null ? null : r.oplogStart().toString(), r.oplogEnd() == null ? null : r.oplogEnd().toString(),
                r.oplogEnd() == null ? null : r.oplogOperations(), m.getHeader(BackupHeaders.BASE_BACKUP, String.class),
                m.getHeader(BackupHeaders.PREVIOUS_BACKUP, String.class))
                .writeInto(Path.of(m.getHeader(BackupHeaders.DUMP_DIR, String.class)));
    }
}
