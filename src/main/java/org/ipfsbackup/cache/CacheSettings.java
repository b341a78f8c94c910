package org.ipfsbackup.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.ipfsbackup.config.ByteSizes;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.config.PropertySource;

/**
 * The local cache settings: {@code backup.cache.dir} (BACKUP_CACHE_DIR; empty = no cache, the library's default) and
 * {@code backup.cache.max} (BACKUP_CACHE_MAX, e.g. 1GiB). Checked at start-up: a bad size or a directory that cannot
 * be created or written stops start-up with a {@link ConfigException} naming the setting.
 */
public final class CacheSettings {
    public static final String DIR = "BACKUP_CACHE_DIR (backup.cache.dir)";
    public static final String MAX = "BACKUP_CACHE_MAX (backup.cache.max)";

    private CacheSettings() {
    }

    /** The cache, or empty when BACKUP_CACHE_DIR is not set. */
    public static Optional<BackupCache> load(PropertySource p, Clock clock) {
        String dir = p.getOrDefault("backup.cache.dir", "").trim();
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        long max = ByteSizes.parse(MAX, p.getOrDefault("backup.cache.max", "1GiB"));
        Path path;
        try {
            path = Path.of(dir);
        } catch (InvalidPathException e) {
            throw new ConfigException(DIR + " = '" + dir + "' is not a path: " + e.getMessage());
        }
        try {
            Files.createDirectories(path);
            Path probe = Files.createTempFile(path, ".part-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new ConfigException(DIR + " = '" + dir + "' is not a writable directory (" + e + "): create it with write access "
                    + "for this user, or leave BACKUP_CACHE_DIR empty to run without the local cache");
        }
        BackupCache cache = new BackupCache(path, max, clock);
        try {
            cache.removeLeftovers();
        } catch (IOException e) {
            throw new ConfigException(DIR + " = '" + dir + "': cannot list it (" + e + ")");
        }
        return Optional.of(cache);
    }
}
