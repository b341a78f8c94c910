package org.ipfsbackup.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GcmWarmUpTest {

    @Test
    void warmUpEndsWithinItsTimeAndBeforeBulkReturns() throws Exception {
        long t0 = System.nanoTime();
        GcmWarmUp.run(Duration.ofMillis(300));
        // one batch and one probe may finish after the deadline, not more
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));

        long t1 = System.nanoTime();
        GcmWarmUp.beforeBulk(1); // small: never waits
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(1));
        GcmWarmUp.beforeBulk(1L << 30); // large: waits for the warm-up, at most 5 s
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(6));

    }

    @Test
    void aTaskRunAfterTheWarmUpWaitsForItsEnd() throws Exception {
        java.util.concurrent.CountDownLatch warmUp = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = GcmWarmUp.runAfter(warmUp, "test-after-warm-up", () -> ran.set(true));
        assertThat(t.isDaemon()).isTrue();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
        assertThat(ran).isFalse();
        warmUp.countDown();
        t.join(5_000);
        assertThat(ran).isTrue();
    }
}
