package org.ipfsbackup.retention;

import org.ipfsbackup.config.ConfigException;

/**
 * What the retention policy keeps.
 *
 * @param retentionDays backups older than this many days (of 24 hours, counted back from the clock) expire; at least 1
 * @param keepDaily GFS: also keep the newest restore point of each of the last N days (UTC) that have one; 0 = off
 * @param keepWeekly GFS: the same per ISO week (Monday to Sunday, UTC); 0 = off
 * @param keepMonthly GFS: the same per calendar month (UTC); 0 = off
 */
public record RetentionSettings(int retentionDays, int keepDaily, int keepWeekly, int keepMonthly) {
    public static final int DEFAULT_RETENTION_DAYS = 90;

    public RetentionSettings {
        if (retentionDays < 1) {
            throw new ConfigException("BACKUP_RETENTION_DAYS (retention.days) must be at least 1 day, got " + retentionDays);
        }
        notNegative("RETENTION_KEEP_DAILY (retention.keep-daily)", keepDaily);
        notNegative("RETENTION_KEEP_WEEKLY (retention.keep-weekly)", keepWeekly);
        notNegative("RETENTION_KEEP_MONTHLY (retention.keep-monthly)", keepMonthly);
    }

    /** 90 days, GFS off. */
    public static RetentionSettings defaults() {
        return new RetentionSettings(DEFAULT_RETENTION_DAYS, 0, 0, 0);
    }

    /** True when any GFS rule is on. */
    public boolean gfs() {
        return keepDaily > 0 || keepWeekly > 0 || keepMonthly > 0;
    }

    private static void notNegative(String setting, int value) {
        if (value < 0) {
            throw new ConfigException(setting + " must be 0 (off) or a positive count, got " + value);
        }
    }
}
