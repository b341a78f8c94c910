package org.ipfsbackup.camel;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.bson.Document;
import org.ipfsbackup.archive.ArchiveResult;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.dump.DumpResult;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the record step. The documents are written by camel-mongodb in {@code backup-record.camel.yaml} and
 * {@code manifest-publish.camel.yaml}; this class builds them, and writes the encrypted manifest file.
 */
public class ManifestBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.record");
    public static final String HEAD_ID = "head";
    private final BackupCipher cipher;
    private final EncryptionKey key;
    private final Clock clock;

    private org.ipfsbackup.manifest.ManifestRepository repository;

    public ManifestBinding(BackupCipher cipher, EncryptionKey key, Clock clock) {
        this.cipher = cipher;
        this.key = key;
        this.clock = clock;
    }

    /** Where entries of failed backups are withdrawn from (see {@link #withdrawUnrecorded}). */
    public void useRepository(org.ipfsbackup.manifest.ManifestRepository repository) {
        this.repository = repository;
    }

    /** After the manifest insert was acknowledged: the upload is now a recorded backup. */
    public void recorded(Exchange exchange) {
        exchange.getMessage().setHeader(BackupHeaders.RECORDED, Boolean.TRUE);
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
            boolean removed = repository.withdraw(e.cid());
            LOG.warn("backup={} step=withdraw cid={} the manifest insert was not acknowledged; {}", e.fileName(), e.cid(),
                    removed ? "its entry was written after all and is removed" : "no entry was written");
            m.removeHeader(BackupHeaders.ENTRY);
        } catch (RuntimeException ex) {
            String why = ex.getClass().getSimpleName() + ": " + org.ipfsbackup.config.Masking.maskUri(String.valueOf(ex.getMessage()));
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
        if (repository == null || (!"full".equals(type) && !"incremental".equals(type))) {
            return;
        }
        try {
            repository.recordFailure(type, clock.instant(), failure == null ? "unknown failure" : failure,
                    m.getHeader(BackupHeaders.CANCELLED) != null);
        } catch (RuntimeException ex) {
            LOG.warn("backup={} step=record-failure could not record the failure for status: {}", m.getHeader(BackupHeaders.NAME),
                    org.ipfsbackup.config.Masking.maskUri(String.valueOf(ex.getMessage())));
        }
    }

    /** Body becomes the backup's manifest document; the {@link ManifestEntry} is kept in {@link BackupHeaders#ENTRY}. */
    @SuppressWarnings("unchecked")
    public void entryDocument(Exchange exchange) {
        Message m = exchange.getMessage();
        DumpResult dump = m.getHeader(BackupHeaders.DUMP_RESULT, DumpResult.class);
        ArchiveResult archive = m.getHeader(BackupHeaders.ARCHIVE_RESULT, ArchiveResult.class);
        Instant started = m.getHeader(BackupHeaders.STARTED, Instant.class);
        String wrappedKey = m.getHeader(BackupHeaders.WRAPPED_KEY, String.class);
        String keyId = wrappedKey == null ? key.keyId() : org.ipfsbackup.crypto.WrappedKey.parse(wrappedKey).keyId();
        ManifestEntry e = new ManifestEntry(m.getHeader(BackupHeaders.TYPE, String.class), m.getHeader(BackupHeaders.ADD_CID, String.class),
                started, m.getHeader(BackupHeaders.SIZE, Long.class), true, dump.databases(), dump.mongodbVersion(),
                dump.replicaSet(), m.getHeader(BackupHeaders.SHA256, String.class), m.getHeader(BackupHeaders.NAME, String.class),
                Duration.between(started, clock.instant()).toMillis(), (List<String>) m.getHeader(BackupHeaders.ADD_PEERS, List.class),
                ManifestEntry.COMPLETE, dump.engine(),
                m.getHeader(BackupHeaders.COMPRESSION, org.ipfsbackup.archive.Compression.GZIP, String.class), keyId, dump.collections(), dump.documents(),
                archive == null ? null : archive.contentBytes(),
                dump.oplogStart() == null ? null : dump.oplogStart().toString(),
                dump.oplogEnd() == null ? null : dump.oplogEnd().toString(),
                dump.oplogEnd() == null ? null : dump.oplogOperations(), m.getHeader(BackupHeaders.BASE_BACKUP, String.class),
                m.getHeader(BackupHeaders.PREVIOUS_BACKUP, String.class), null, null, null, wrappedKey);
        m.setHeader(BackupHeaders.CID, e.cid());
        m.setHeader(BackupHeaders.PEERS, e.peers());
        m.setHeader(BackupHeaders.ENTRY, e);
        m.setBody(e.toDocument());
    }

    /** Body: the head document (or nothing, before the first manifest); remembers its CID as the previous manifest. */
    public void rememberPreviousManifest(Exchange exchange) {
        Document head = exchange.getMessage().getBody(Document.class);
        exchange.getMessage().setHeader(BackupHeaders.PREVIOUS_MANIFEST_CID, head == null ? null : head.getString("cid"));
        exchange.getMessage().setBody(null); // the next findAll takes its body as the query
    }

    /**
     * Body: every manifest document (from camel-mongodb findAll). Writes the manifest JSON, encrypted, into the
     * job's work directory and asks {@code direct:ipfs-add} to upload it.
     */
    @SuppressWarnings("unchecked")
    public void writeManifest(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        List<Document> docs = m.getBody(List.class);
        List<ManifestEntry> entries = new ArrayList<>();
        for (Document d : docs) {
            entries.add(ManifestEntry.fromDocument(d));
        }
        Instant now = clock.instant();
        ManifestFile file = ManifestFile.of(entries, m.getHeader(BackupHeaders.PREVIOUS_MANIFEST_CID, String.class), now);
        Path dir = Path.of(m.getHeader(BackupHeaders.WORK_DIR, String.class));
        String name = BackupNames.manifestFile(now);
        Path target = dir.resolve(name);
        try (OutputStream out = cipher.encryptingStream(Files.newOutputStream(target))) {
            file.write(out);
        }
        m.setHeader(BackupHeaders.ADD_FILE, target.toString());
        m.setHeader(BackupHeaders.ADD_NAME, name);
        m.setHeader(BackupHeaders.ADD_KIND, "manifest");
        m.setBody(null);
        LOG.info("backup={} step=manifest entries={} previousManifest={}", m.getHeader(BackupHeaders.NAME), entries.size(),
                file.previousManifest());
    }

    /** Body becomes the history document of the manifest just published (retention prunes old versions). */
    public void historyDocument(Exchange exchange) {
        Message m = exchange.getMessage();
        m.setBody(new Document("_id", m.getHeader(BackupHeaders.MANIFEST_CID, String.class))
                .append("previous", m.getHeader(BackupHeaders.PREVIOUS_MANIFEST_CID, String.class))
                .append("createdAt", Date.from(clock.instant())));
    }

    /** Body becomes the head document pointing at the manifest just uploaded. */
    public void headDocument(Exchange exchange) {
        Message m = exchange.getMessage();
        String cid = m.getHeader(BackupHeaders.ADD_CID, String.class);
        m.setHeader(BackupHeaders.MANIFEST_CID, cid);
        m.setBody(new Document("_id", HEAD_ID).append("cid", cid)
                .append("previous", m.getHeader(BackupHeaders.PREVIOUS_MANIFEST_CID, String.class))
                .append("updatedAt", Date.from(clock.instant())).append("keyId", key.keyId()));
        LOG.info("backup={} step=record cid={} manifestCid={}", m.getHeader(BackupHeaders.NAME),
                m.getHeader(BackupHeaders.CID), cid);
    }
}
