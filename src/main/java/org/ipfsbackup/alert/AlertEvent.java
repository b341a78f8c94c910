package org.ipfsbackup.alert;

/** What went wrong, with its default severity, the words used in subjects, and what an operator should check. */
public enum AlertEvent {
    BACKUP_FAILURE(Severity.CRITICAL, "backup failure",
            "The backup did not complete and nothing new was recorded in the manifest. Check the application log for the "
                    + "failing step; MongoDB reachability and credentials (MONGODB_URI); free space in BACKUP_WORK_DIR; "
                    + "the IPFS Cluster API (IPFS_CLUSTER_NODE_1/2). The next scheduled run retries; "
                    + "`ipfs-backup backup` runs one now."),
    PIN_FAILURE(Severity.CRITICAL, "IPFS pin failure",
            "The content was added but not pinned on the required peers within IPFS_PIN_TIMEOUT. Check `ipfs-cluster-ctl "
                    + "peers ls` (are enough peers online for IPFS_REPLICATION_FACTOR?), their free disk space, "
                    + "and `ipfs-cluster-ctl status <cid>` for the failing peers."),
    RETENTION_FAILURE(Severity.WARNING, "retention cleanup failure",
            "Expired backups were not (all) unpinned or marked deleted; storage keeps growing until this is fixed. "
                    + "Check the log of the retention routes, the IPFS Cluster API and MongoDB; "
                    + "`ipfs-backup retention --dry-run` shows what would be removed."),
    STORAGE_THRESHOLD(Severity.WARNING, "storage above threshold",
            "Pinned backups use more storage than the configured threshold. Check the cluster peers' free disk space, "
                    + "the retention settings (BACKUP_RETENTION_DAYS, RETENTION_KEEP_*) and whether retention runs."),
    NO_RECENT_BACKUP(Severity.CRITICAL, "no recent successful backup",
            "No backup has succeeded for more than 26 hours. Check that the service is running, that the schedules "
                    + "(FULL_BACKUP_SCHEDULE, INCREMENTAL_BACKUP_SCHEDULE) are what you expect, and the log for failed "
                    + "or skipped runs (a held backup lock, repeated failures)."),
    OPLOG_WINDOW_SHORT(Severity.WARNING, "oplog window shorter than the incremental interval",
            "The MongoDB oplog does not reach back one incremental interval: incrementals may fall back to full "
                    + "backups or leave gaps. Check rs.printReplicationInfo() and enlarge the oplog "
                    + "(replSetResizeOplog) or run incrementals more often (INCREMENTAL_BACKUP_SCHEDULE)."),
    BACKUP_NOT_PINNED(Severity.CRITICAL, "backup not pinned on every allocated peer",
            "A backup recorded in the manifest is no longer pinned on all of its allocated peers: restores may fail. "
                    + "Check `ipfs-cluster-ctl status <cid>`, the health of the failing peers, and "
                    + "`ipfs-cluster-ctl recover <cid>`; `ipfs-backup verify` checks the backup end to end."),
    VERIFICATION_FAILURE(Severity.CRITICAL, "backup verification failure",
            "The scheduled verification could not download, hash-check or decrypt a recorded backup: it may not be "
                    + "restorable. Run `ipfs-backup verify <cid>` (and `verify all`), check the IPFS nodes (IPFS_NODES) "
                    + "and that BACKUP_ENCRYPTION_KEY is the key the backup was written with."),
    DRILL_FAILURE(Severity.CRITICAL, "restore drill failure",
            "The scheduled restore drill restored the newest chain into RESTORE_DRILL_TARGET_URI and found collections "
                    + "that do not hold what was backed up (or the restore failed): the alert names them. Run "
                    + "`ipfs-backup drill --target-uri <scratch>` to repeat it, `ipfs-backup verify all`, and take a full backup.");

    private final Severity defaultSeverity;
    private final String title;
    private final String whatToCheck;

    AlertEvent(Severity defaultSeverity, String title, String whatToCheck) {
        this.defaultSeverity = defaultSeverity;
        this.title = title;
        this.whatToCheck = whatToCheck;
    }

    public Severity defaultSeverity() {
        return defaultSeverity;
    }

    /** Lower-case words for subjects, e.g. "backup failure". */
    public String title() {
        return title;
    }

    /** Operator guidance: where to look first. */
    public String whatToCheck() {
        return whatToCheck;
    }
}
