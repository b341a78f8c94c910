package org.ipfsbackup.camel;

/**
 * Message headers that carry a backup between the step routes: names, paths, sizes, hashes and CIDs, never the
 * payload itself (that stays in files under the job's work directory).
 */
public final class BackupHeaders {
    /** {@code full} or {@code incremental}. */
    public static final String TYPE = "IpfsBackupType";
    /** Set (true) by direct:backup-slice: the incremental is an oplog slice (never becomes a full, marked in its entry). */
    public static final String SLICE = "IpfsBackupSlice";
    /** File name of the encrypted backup, e.g. full_backup_2026-11-27_020000.tar.gz.enc. */
    public static final String NAME = "IpfsBackupName";
    public static final String STARTED = "IpfsBackupStarted";
    /** The job's private temp directory; removed after success and failure. */
    public static final String WORK_DIR = "IpfsBackupWorkDir";
    public static final String DUMP_DIR = "IpfsBackupDumpDir";
    /** The {@link org.ipfsbackup.dump.DumpResult} of the dump step. */
    public static final String DUMP_RESULT = "IpfsBackupDumpResult";
    public static final String ARCHIVE_FILE = "IpfsBackupArchiveFile";
    public static final String ARCHIVE_RESULT = "IpfsBackupArchiveResult";
    /** The archive's codec name ({@code gzip}, {@code zstd}), recorded in the manifest's {@code compression}. */
    public static final String COMPRESSION = "IpfsBackupCompression";
    public static final String ENCRYPTED_FILE = "IpfsBackupEncryptedFile";
    public static final String SIZE = "IpfsBackupSize";
    public static final String SHA256 = "IpfsBackupSha256";
    /** The backup's data key as wrapped in its header ({@code WrappedKey.encode()}): recorded in the manifest entry. */
    public static final String WRAPPED_KEY = "IpfsBackupWrappedKey";
    public static final String CID = "IpfsBackupCid";
    public static final String PEERS = "IpfsBackupPeers";
    /** The {@link org.ipfsbackup.manifest.ManifestEntry} recorded for this backup. */
    public static final String ENTRY = "IpfsBackupEntry";
    /** Set once the manifest insert of {@link #ENTRY} is acknowledged: from then on the upload is a backup and stays pinned. */
    public static final String RECORDED = "IpfsBackupRecorded";
    /** Set by the dead-letter route when the manifest could not be checked: the upload stays pinned for start-up recovery. */
    public static final String KEEP_PIN = "IpfsBackupKeepPin";
    public static final String MANIFEST_CID = "IpfsBackupManifestCid";
    public static final String PREVIOUS_MANIFEST_CID = "IpfsBackupPreviousManifestCid";
    /** The manifest version being published ({@link org.ipfsbackup.manifest.ManifestStore.NextVersion}), recorded once pinned. */
    public static final String MANIFEST_NEXT = "IpfsBackupManifestNext";
    /** The backup lock is held by this job (released by clean-up and by the dead-letter route). */
    public static final String LOCK_HELD = "IpfsBackupLockHeld";
    /** Why this job did not run (an incremental while a full runs). */
    public static final String SKIPPED = "IpfsBackupSkipped";
    /** Why an incremental became a full backup (no full to build on, or the oplog no longer reaches back). */
    public static final String FALLBACK_REASON = "IpfsBackupFallbackReason";
    /** Incremental: CID of its full, CID of the backup before it, and the oplog position it continues after. */
    public static final String BASE_BACKUP = "IpfsBackupBase";
    public static final String PREVIOUS_BACKUP = "IpfsBackupPrevious";
    public static final String OPLOG_AFTER = "IpfsBackupOplogAfter";
    /** Set by the dead-letter route: what failed, in words fit for an operator (no secrets). */
    public static final String FAILURE = "IpfsBackupFailure";
    public static final String FAILED_STEP = "IpfsBackupFailedStep";
    /** Set (to the request, in words) on a job that failed because it was cancelled ({@code ipfs-backup cancel}). */
    public static final String CANCELLED = "IpfsBackupCancelled";

    /**
     * Exchange property: bytes of the newest payload the job produced or sent (dump, archive, encrypted file, uploaded
     * file). Steps set it; the step log line reports it (see {@link ObservabilityNotifier}).
     */
    public static final String STEP_BYTES = "IpfsBackupStepBytes";

    /** Input of {@code direct:ipfs-add}: the file to add, its name and its type (metadata). */
    public static final String ADD_FILE = "IpfsAddFile";
    public static final String ADD_NAME = "IpfsAddName";
    public static final String ADD_KIND = "IpfsAddKind";
    /** Output of {@code direct:ipfs-add} and {@code direct:ipfs-pin-verify}. */
    public static final String ADD_CID = "IpfsAddCid";
    public static final String ADD_ALLOCATIONS = "IpfsAddAllocations";
    public static final String ADD_PEERS = "IpfsAddPeers";

    private BackupHeaders() {
    }
}
