package org.ipfsbackup.job;

import java.time.Instant;

/**
 * Who holds the backup lease, as read from the lock document: the job ({@code full}, {@code incremental},
 * {@code retention}) and the instance that runs it ({@code host:pid:random}).
 */
public record LeaseHolder(String job, String owner, Instant acquiredAt, Instant expiresAt, Instant heartbeatAt) {

    /** As callers print it: {@code full (owner db1:4711:9f3a2c1b)}. */
    @Override
    public String toString() {
        return job + " (owner " + owner + ")";
    }
}
