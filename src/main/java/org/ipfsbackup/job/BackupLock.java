package org.ipfsbackup.job;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Full and incremental backups never run at the same time in this process. A full waits for a running
 * incremental; an incremental does not wait for a running full: it is skipped, because the full covers it and
 * the next incremental starts at the full's oplog position.
 */
public final class BackupLock {
    private final Semaphore permit = new Semaphore(1, true);
    private volatile String holder;

    /** Waits up to {@code wait}; false when another backup still runs after that. */
    public boolean acquire(String job, Duration wait) throws InterruptedException {
        if (permit.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            holder = job;
            return true;
        }
        return false;
    }

    /** Takes the lock only if it is free now. */
    public boolean tryAcquire(String job) {
        if (permit.tryAcquire()) {
            holder = job;
            return true;
        }
        return false;
    }

    public String holder() {
        return holder;
    }

    public void release() {
        holder = null;
        permit.release();
    }
}
