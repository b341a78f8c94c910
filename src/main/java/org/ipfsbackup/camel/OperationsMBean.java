package org.ipfsbackup.camel;

/**
 * JMX operations of {@code org.ipfsbackup:type=Operations} (Hawtio's JMX view, Jolokia exec): start a run now, in
 * the background, through the same routes as the schedules. Each returns at once with what it started.
 */
public interface OperationsMBean {
    String triggerFullBackup();

    String triggerIncrementalBackup();

    /** Runs one oplog slice now (an incremental marked as a slice; skipped without a full to build on). */
    String triggerSliceBackup();

    String triggerRetention();

    String triggerVerification();

    String triggerWatchdog();

    /** Cancels the running backup job, on this instance or another one (as {@code ipfs-backup cancel}). */
    String cancelRunningJob();
}
