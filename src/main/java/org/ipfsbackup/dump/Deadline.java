package org.ipfsbackup.dump;

import java.time.Duration;

/** The end of {@link DumpSettings#timeout()} for one dump. */
final class Deadline {

    private final Duration timeout;
    private final long endNanos;

    Deadline(Duration timeout) {
        this.timeout = timeout;
        this.endNanos = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
    }

    Duration timeout() {
        return timeout;
    }

    long remainingMillis() {
        return Math.max(0, (endNanos - System.nanoTime()) / 1_000_000);
    }

    boolean passed() {
        return System.nanoTime() - endNanos >= 0;
    }

    void check(String engine, String doing) throws DumpException {
        if (passed()) {
            throw new DumpException(engine, "did not finish within " + timeout + " (dump.timeout) while " + doing,
                    null, null, true, null);
        }
    }
}
