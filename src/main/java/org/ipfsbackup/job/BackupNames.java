package org.ipfsbackup.job;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** File names of backups: {@code full_backup_YYYY-MM-DD_HHMMSS.tar.gz.enc} (UTC), likewise incremental and manifest. */
public final class BackupNames {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss").withZone(ZoneOffset.UTC);
    public static final String EXTENSION = ".tar.gz.enc";

    private BackupNames() {
    }

    public static String backupFile(String type, Instant at) {
        if (!type.equals("full") && !type.equals("incremental")) {
            throw new IllegalArgumentException("backup type must be full or incremental, got: " + type);
        }
        return type + "_backup_" + STAMP.format(at) + EXTENSION;
    }

    public static String manifestFile(Instant at) {
        return "manifest_" + STAMP.format(at) + ".json.enc";
    }

    /** The plain archive's name inside the work directory (never uploaded). */
    public static String archiveFile(String backupFile) {
        return backupFile.endsWith(".enc") ? backupFile.substring(0, backupFile.length() - 4) : backupFile + ".plain";
    }
}
