package org.ipfsbackup.camel;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.archive.ArchiveResult;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.dump.DumpResult;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestFile;
import org.ipfsbackup.manifest.ManifestStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the manifest steps to the {@link ManifestStore} (the only code that touches the manifest in MongoDB): reads
 * the entries for the steps that decide from them, records a backup's entry, withdraws it when its write was not
 * acknowledged, and publishes the manifest (the encrypted JSON file the pipeline uploads, then the head and history).
 */
public class ManifestBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.record");
    private final ManifestStore store;
    private final BackupCipher cipher;
    private final EncryptionKey key;
    private final Clock clock;

    public ManifestBinding(ManifestStore store, BackupCipher cipher, EncryptionKey key, Clock clock) {
        this.store = store;
        this.cipher = cipher;
        this.key = key;
        this.clock = clock;
    }

    /** Body becomes every manifest entry, oldest first (for the steps that decide from the manifest). */
    public void entries(Exchange exchange) {
        exchange.getMessage().setBody(store.all());
    }

    /** Builds the backup's {@link ManifestEntry} into {@link BackupHeaders#ENTRY} (recorded by {@link #record}). */
    @SuppressWarnings("unchecked")
    public void entry(Exchange exchange) {
        Message m = exchange.getMessage();
        Instant started = m.getHeader(BackupHeaders.STARTED, Instant.class);
        ArchiveResult archive = m.getHeader(BackupHeaders.ARCHIVE_RESULT, ArchiveResult.class);
        ManifestEntry.Builder b = ManifestEntry.builder(m.getHeader(BackupHeaders.TYPE, String.class), m.getHeader(BackupHeaders.ADD_CID, String.class), started)
                .file(m.getHeader(BackupHeaders.NAME, String.class), m.getHeader(BackupHeaders.SIZE, Long.class), m.getHeader(BackupHeaders.SHA256, String.class))
                .durationMs(Duration.between(started, clock.instant()).toMillis())
                .peers((List<String>) m.getHeader(BackupHeaders.ADD_PEERS, List.class))
                .compression(m.getHeader(BackupHeaders.COMPRESSION, org.ipfsbackup.archive.Compression.GZIP, String.class))
                .chain(m.getHeader(BackupHeaders.BASE_BACKUP, String.class), m.getHeader(BackupHeaders.PREVIOUS_BACKUP, String.class))
                .slice(ManifestEntry.INCREMENTAL.equals(m.getHeader(BackupHeaders.TYPE, String.class)) && ChainBinding.isSlice(m));
        String wrappedKey = m.getHeader(BackupHeaders.WRAPPED_KEY, String.class);
        b.key(wrappedKey == null ? key.keyId() : org.ipfsbackup.crypto.WrappedKey.parse(wrappedKey).keyId(), wrappedKey);
        ManifestEntry e = dumped(b, m.getHeader(BackupHeaders.DUMP_RESULT, DumpResult.class), archive == null ? null : archive.contentBytes()).build();
        m.setHeader(BackupHeaders.CID, e.cid());
        m.setHeader(BackupHeaders.PEERS, e.peers());
        m.setHeader(BackupHeaders.ENTRY, e);
    }

    /** What the dump found: databases, source, engine, content counts and the oplog window. */
    private static ManifestEntry.Builder dumped(ManifestEntry.Builder b, DumpResult dump, Long contentBytes) {
        return b.databases(dump.databases()).source(dump.mongodbVersion(), dump.replicaSet()).engine(dump.engine())
                .content(dump.collections(), dump.documents(), contentBytes).contentDigests(dump.contentDigests())
                .oplog(dump.oplogStart() == null ? null : dump.oplogStart().toString(), dump.oplogEnd() == null ? null : dump.oplogEnd().toString(),
                        dump.oplogEnd() == null ? null : dump.oplogOperations());
    }

    /** Inserts the entry of {@link BackupHeaders#ENTRY}; once acknowledged, the upload is a recorded backup. */
    public void record(Exchange exchange) {
        Message m = exchange.getMessage();
        store.insert(m.getHeader(BackupHeaders.ENTRY, ManifestEntry.class));
        m.setHeader(BackupHeaders.RECORDED, Boolean.TRUE);
    }

    /**
     * Dead-letter step: a backup whose entry was built but whose insert was not acknowledged (MongoDB went away
     * mid-write) may or may not have an entry now. The entry is withdrawn, so the upload can be unpinned without
     * leaving an entry that names content no longer pinned. When MongoDB cannot be reached to make sure, the upload
     * stays pinned ({@link BackupHeaders#KEEP_PIN}): start-up recovery unpins it later if no entry names it, and the
     * manifest stays true either way.
     */
    public void withdrawUnrecorded(Exchange exchange) {
        Message m = exchange.getMessage();
        ManifestEntry e = m.getHeader(BackupHeaders.ENTRY, ManifestEntry.class);
        if (e == null || Boolean.TRUE.equals(m.getHeader(BackupHeaders.RECORDED, Boolean.class))) {
            return;
        }
        try {
            boolean removed = store.withdraw(e.cid());
            LOG.warn("backup={} step=withdraw cid={} the manifest insert was not acknowledged; {}", e.fileName(), e.cid(),
                    removed ? "its entry was written after all and is removed" : "no entry was written");
            m.removeHeader(BackupHeaders.ENTRY);
        } catch (RuntimeException ex) {
            String why = ex.getClass().getSimpleName() + ": " + org.ipfsbackup.mongo.Masking.maskUri(String.valueOf(ex.getMessage()));
            m.setHeader(BackupHeaders.KEEP_PIN, why);
            LOG.error("backup={} step=withdraw cid={} MongoDB cannot be asked whether an entry was written ({}): the upload stays "
                    + "pinned; start-up recovery unpins it once it is older than recovery.grace if no entry names it",
                    e.fileName(), e.cid(), why);
        }
    }

    /**
     * Dead-letter step: records the failure as the last one of its backup type (time, what failed, whether it was
     * cancelled) in the state collection, for {@code status}. A MongoDB that cannot be reached is logged, not thrown:
     * the clean-up and the alert still run.
     */
    public void recordFailure(Exchange exchange) {
        Message m = exchange.getMessage();
        String type = m.getHeader(BackupHeaders.TYPE, String.class);
        String failure = m.getHeader(BackupHeaders.FAILURE, String.class);
        if (store == null || (!"full".equals(type) && !"incremental".equals(type))) {
            return;
        }
        try {
            // a slice's failures are its own (status shows them apart from the daily incremental's)
            store.recordFailure("incremental".equals(type) && ChainBinding.isSlice(m) ? ManifestEntry.SLICE : type, clock.instant(), failure == null ? "unknown failure" : failure,
                    m.getHeader(BackupHeaders.CANCELLED) != null);
        } catch (RuntimeException ex) {
            LOG.warn("backup={} step=record-failure could not record the failure for status: {}", m.getHeader(BackupHeaders.NAME),
                    org.ipfsbackup.mongo.Masking.maskUri(String.valueOf(ex.getMessage())));
        }
    }

    /**
     * Builds the next manifest version against the head ({@link ManifestStore#nextVersion}: the entries new or changed
     * since the head, or a checkpoint of every entry), writes its JSON, encrypted, into the job's work directory and
     * asks {@code direct:ipfs-add} to upload it. The head it links to goes in {@link BackupHeaders#PREVIOUS_MANIFEST_CID}.
     */
    public void writeManifest(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Instant now = clock.instant();
        ManifestStore.NextVersion next = store.nextVersion(now);
        ManifestFile file = next.file();
        Path dir = Path.of(m.getHeader(BackupHeaders.WORK_DIR, String.class));
        String name = BackupNames.manifestFile(now);
        Path target = dir.resolve(name);
        try (OutputStream out = cipher.encryptingStream(Files.newOutputStream(target))) {
            file.write(out);
        }
        m.setHeader(BackupHeaders.PREVIOUS_MANIFEST_CID, file.previousManifest());
        m.setHeader(BackupHeaders.MANIFEST_NEXT, next);
        m.setHeader(BackupHeaders.ADD_FILE, target.toString());
        m.setHeader(BackupHeaders.ADD_NAME, name);
        m.setHeader(BackupHeaders.ADD_KIND, "manifest");
        m.setBody(null);
        if (file.isCheckpoint()) {
            LOG.info("backup={} step=manifest checkpoint entries={} previousManifest={} because {}", m.getHeader(BackupHeaders.NAME),
                    file.backups().size(), file.previousManifest(), next.checkpointReason());
        } else {
            LOG.info("backup={} step=manifest delta changed={} removed={} depth={} entries={} previousManifest={}", m.getHeader(BackupHeaders.NAME),
                    file.backups().size(), file.removed().size(), file.depth(), file.statistics().entries(), file.previousManifest());
        }
    }

    /** The manifest just uploaded and verified pinned becomes the head and is listed in the history. */
    public void recordHead(Exchange exchange) {
        Message m = exchange.getMessage();
        String cid = m.getHeader(BackupHeaders.ADD_CID, String.class);
        m.setHeader(BackupHeaders.MANIFEST_CID, cid);
        store.published(cid, m.getHeader(BackupHeaders.MANIFEST_NEXT, ManifestStore.NextVersion.class), clock.instant(), key.keyId());
        m.removeHeader(BackupHeaders.MANIFEST_NEXT);
        LOG.info("backup={} step=record cid={} manifestCid={}", m.getHeader(BackupHeaders.NAME),
                m.getHeader(BackupHeaders.CID), cid);
    }
}
