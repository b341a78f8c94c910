package org.ipfsbackup.camel;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.cache.BackupCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds routes/backup-cache.camel.yaml: the uploaded (and pin-verified) encrypted file goes into the local
 * {@link BackupCache} under its CID. A failure is logged (WARN) and counted ({@code ipfs_backup_cache_failures_total}),
 * never thrown on: the route catches it and the backup goes on.
 */
public class CacheBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.cache");
    private final BackupCache cache;
    private final Counter kept;
    private final Counter failures;

    /** @param cache null when BACKUP_CACHE_DIR is not set (the pipeline skips the step then) */
    public CacheBinding(BackupCache cache, MeterRegistry registry) {
        this.cache = cache;
        this.kept = registry == null ? null : Counter.builder("ipfs.backup.cache.kept")
                .description("Uploaded backups kept in the local cache").register(registry);
        this.failures = registry == null ? null : Counter.builder("ipfs.backup.cache.failures")
                .description("Uploaded backups the local cache could not keep (the backup itself succeeded)").register(registry);
    }

    /** Headers {@link BackupHeaders#ADD_CID} and {@link BackupHeaders#ENCRYPTED_FILE}: the file is linked (or moved) into the cache. */
    public void keep(Exchange exchange) throws IOException {
        if (cache == null) {
            return;
        }
        Message m = exchange.getMessage();
        String cid = m.getHeader(BackupHeaders.ADD_CID, String.class);
        String file = m.getHeader(BackupHeaders.ENCRYPTED_FILE, String.class);
        if (cid == null || file == null) {
            throw new IllegalStateException("no " + (cid == null ? BackupHeaders.ADD_CID : BackupHeaders.ENCRYPTED_FILE) + " header");
        }
        if (cache.put(cid, Path.of(file)).kept() && kept != null) {
            kept.increment();
        }
    }

    /** The caught exception is logged as a WARN and counted; the backup continues. */
    public void failed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        LOG.warn("step=backup-cache backup={} cid={} the local cache could not keep the backup (the backup goes on): {}",
                exchange.getMessage().getHeader(BackupHeaders.NAME), exchange.getMessage().getHeader(BackupHeaders.ADD_CID),
                e == null ? "unknown error" : e.toString());
        if (failures != null) {
            failures.increment();
        }
    }
}
