package org.ipfsbackup.retention;

import java.util.Objects;
import org.ipfsbackup.manifest.ManifestEntry;

/**
 * What the retention policy decided for one complete backup, and why, in words: for example
 * {@code "older than 90 days (2026-08-01T02:00:00Z)"}, {@code "kept: newest full backup's chain"},
 * {@code "kept: incremental bafk... depends on it"} or {@code "kept: GFS weekly 2026-W30"}.
 *
 * @param expire true when the backup is to be unpinned and marked deleted
 */
public record RetentionDecision(ManifestEntry entry, boolean expire, String reason) {
    public RetentionDecision {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(reason, "reason");
    }
}
