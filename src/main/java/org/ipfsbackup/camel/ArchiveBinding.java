package org.ipfsbackup.camel;

import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.archive.ArchiveResult;
import org.ipfsbackup.archive.TarGzArchiver;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.job.WorkDirectories;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the archive step: the dump directory becomes {@code <name>.tar.gz} (or {@code .tar.zst}); the dump is removed once archived. */
public class ArchiveBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.archive");
    private final TarGzArchiver archiver;

    public ArchiveBinding(TarGzArchiver archiver) {
        this.archiver = archiver;
    }

    public void archive(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Path dump = Path.of(m.getHeader(BackupHeaders.DUMP_DIR, String.class));
        String name = m.getHeader(BackupHeaders.NAME, String.class);
        Path target = Path.of(m.getHeader(BackupHeaders.WORK_DIR, String.class)).resolve(BackupNames.archiveFile(name));
        org.ipfsbackup.dump.DumpResult dumped = m.getHeader(BackupHeaders.DUMP_RESULT, org.ipfsbackup.dump.DumpResult.class);
        if (dumped == null || dumped.bytes() >= 4 * org.ipfsbackup.crypto.GcmWarmUp.WORTH_WAITING_BYTES) {
            org.ipfsbackup.crypto.GcmWarmUp.startOnce(); // AES-GCM compiled while the archive compresses (see there)
        }
        long t0 = System.nanoTime();
        ArchiveResult r = archiver.archive(dump, target);
        WorkDirectories.deleteTree(dump);
        m.setHeader(BackupHeaders.ARCHIVE_FILE, target.toString());
        m.setHeader(BackupHeaders.ARCHIVE_RESULT, r);
        exchange.setProperty(BackupHeaders.STEP_BYTES, r.archiveBytes());
        m.setHeader(BackupHeaders.COMPRESSION, archiver.compression());
        m.removeHeader(BackupHeaders.DUMP_DIR);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("backup={} step=archive compression={} files={} contentBytes={} bytes={} durationMs={} MBps={}", name, archiver.compression(), r.files(),
                r.contentBytes(), r.archiveBytes(), ms, ms == 0 ? "-" : String.format("%.1f", r.contentBytes() / 1e3 / ms));
    }
}
