package org.ipfsbackup.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OplogWindowTest {
    static final Instant NEWEST = Instant.parse("2026-11-27T12:00:00Z");
    static final Duration DAY = Duration.ofDays(1);

    @Test
    void aFullOplogShorterThanTheIncrementalIntervalFires() {
        var f = Watchdog.oplogWindow(NEWEST.minus(Duration.ofHours(5)), NEWEST, 950, 1000, DAY);
        assertThat(f.firing()).isTrue();
        assertThat(f.detail()).contains("300 min").contains("every 1440 min").contains("replSetResizeOplog");
    }

    @Test
    void aLongEnoughWindowOrAnOplogNotYetFullDoesNotFire() {
        assertThat(Watchdog.oplogWindow(NEWEST.minus(Duration.ofHours(30)), NEWEST, 950, 1000, DAY).firing()).isFalse();
        assertThat(Watchdog.oplogWindow(NEWEST.minus(Duration.ofHours(5)), NEWEST, 100, 1000, DAY).firing()).isFalse();
        assertThat(Watchdog.oplogWindow(null, null, 0, 0, DAY).firing()).isFalse();
    }

    @Test
    void unknownMaximumIsJudgedByTheWindowAlone() {
        assertThat(Watchdog.oplogWindow(NEWEST.minus(Duration.ofHours(5)), NEWEST, 0, 0, DAY).firing()).isTrue();
    }

    @Test
    void intervalOfTheIncrementalSchedule() {
        assertThat(Watchdog.interval("0 0 2 * * ?")).isEqualTo(DAY);
        assertThat(Watchdog.interval("0 0 */6 * * ?")).isEqualTo(Duration.ofHours(6));
    }
}
