package org.ipfsbackup.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.dump.DumpEngine;
import org.ipfsbackup.dump.DumpResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the dump step: runs the configured engine into {@code <work dir>/dump}. */
public class DumpBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.dump");
    private final DumpEngine engine;

    public DumpBinding(DumpEngine engine) {
        this.engine = engine;
    }

    public void dump(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Path dir = Path.of(m.getHeader(BackupHeaders.WORK_DIR, String.class)).resolve("dump");
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        String type = m.getHeader(BackupHeaders.TYPE, String.class);
        if (!"full".equals(type)) {
            throw new IllegalStateException("unsupported backup type for the dump step: " + type);
        }
        DumpResult r = engine.dumpFull(dir);
        m.setHeader(BackupHeaders.DUMP_DIR, dir.toString());
        m.setHeader(BackupHeaders.DUMP_RESULT, r);
        LOG.info("backup={} step=dump engine={} databases={} collections={} documents={} bytes={} oplogEnd={} durationMs={}",
                m.getHeader(BackupHeaders.NAME), r.engine(), r.databases(), r.collections(), r.documents(), r.bytes(),
                r.oplogEnd(), (System.nanoTime() - t0) / 1_000_000);
    }
}
