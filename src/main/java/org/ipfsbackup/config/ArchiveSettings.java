package org.ipfsbackup.config;

import org.ipfsbackup.archive.Compression;
import org.ipfsbackup.archive.CompressionCodec;
import org.ipfsbackup.archive.GzipCodec;
import org.ipfsbackup.archive.ZstdCodec;

/**
 * How backups are compressed: {@code backup.compression} ({@code gzip} or {@code zstd}), the level of each, and the
 * number of compression threads.
 *
 * @param compression {@link Compression#GZIP} or {@link Compression#ZSTD}
 * @param threads     compression threads; the setting's 0 means one per available core
 */
public record ArchiveSettings(String compression, int gzipLevel, int zstdLevel, int threads) {

    public static final String DEFAULT_COMPRESSION = Compression.GZIP;

    public static ArchiveSettings defaults() {
        return new ArchiveSettings(DEFAULT_COMPRESSION, GzipCodec.DEFAULT_LEVEL, ZstdCodec.DEFAULT_LEVEL,
                Runtime.getRuntime().availableProcessors());
    }

    /** Reads and checks the settings; a bad value fails with a {@link ConfigException} naming the setting. */
    public static ArchiveSettings load(PropertySource p) {
        String raw = p.getOrDefault("backup.compression", DEFAULT_COMPRESSION);
        String name = raw.trim().toLowerCase(java.util.Locale.ROOT);
        if (!Compression.NAMES.contains(name)) {
            throw new ConfigException("BACKUP_COMPRESSION (backup.compression) = '" + raw + "' is not one of " + Compression.NAMES);
        }
        int gzip = p.getInt("archive.gzip-level", GzipCodec.DEFAULT_LEVEL, 1, 9);
        int zstd = p.getInt("archive.zstd-level", ZstdCodec.DEFAULT_LEVEL, 1, 19);
        int threads = p.getInt("archive.threads", 0, 0, 256);
        return new ArchiveSettings(name, gzip, zstd, threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
    }

    /** The codec that writes backups. */
    public CompressionCodec codec() {
        return Compression.forWriting(compression, gzipLevel, zstdLevel, threads);
    }
}
