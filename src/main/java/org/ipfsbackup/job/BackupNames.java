package org.ipfsbackup.job;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * File names of backups: {@code full_backup_YYYY-MM-DD_HHMMSS.tar.gz.enc} (UTC), {@code .tar.zst.enc} when compressed with
 * zstd, likewise incremental and manifest.
 */
public final class BackupNames {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss").withZone(ZoneOffset.UTC);
    public static final String EXTENSION = ".tar.gz.enc";

    private BackupNames() {
    }

    public static String backupFile(String type, Instant at) {
        return backupFile(type, at, org.ipfsbackup.archive.Compression.GZIP);
    }

    /** @param compression {@code gzip} ({@code .tar.gz.enc}) or {@code zstd} ({@code .tar.zst.enc}) */
    public static String backupFile(String type, Instant at, String compression) {
        if (!type.equals("full") && !type.equals("incremental")) {
            throw new IllegalArgumentException("backup type must be full or incremental, got: " + type);
        }
        return type + "_backup_" + STAMP.format(at) + org.ipfsbackup.archive.Compression.archiveExtension(compression) + ".enc";
    }

    public static String manifestFile(Instant at) {
        return "manifest_" + STAMP.format(at) + ".json.enc";
    }

    /** The plain archive's name inside the work directory (never uploaded). */
    public static String archiveFile(String backupFile) {
        return backupFile.endsWith(".enc") ? backupFile.substring(0, backupFile.length() - 4) : backupFile + ".plain";
    }
}
