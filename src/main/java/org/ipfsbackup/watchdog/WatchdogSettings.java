package org.ipfsbackup.watchdog;

import java.time.Duration;
import org.ipfsbackup.config.CronTranslator;
import org.ipfsbackup.config.Durations;
import org.ipfsbackup.config.PropertySource;

/**
 * The watchdog's settings: how old the last successful backup may be ({@code WATCHDOG_MAX_BACKUP_AGE}), the
 * repository fill level that alerts ({@code WATCHDOG_STORAGE_THRESHOLD_PERCENT}) and its schedule (as a Quartz cron).
 */
public record WatchdogSettings(Duration maxBackupAge, int storageThresholdPercent, String cron) {

    public static WatchdogSettings load(PropertySource p) {
        return new WatchdogSettings(
                Durations.parse("WATCHDOG_MAX_BACKUP_AGE (watchdog.max-backup-age)", p.getOrDefault("watchdog.max-backup-age", "26h")),
                p.getInt("watchdog.storage-threshold-percent", 80, 1, 100),
                CronTranslator.toQuartz("WATCHDOG_SCHEDULE (watchdog.schedule)", p.getOrDefault("watchdog.schedule", "0 * * * *")));
    }
}
