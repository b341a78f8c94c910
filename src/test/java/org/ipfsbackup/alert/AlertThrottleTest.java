package org.ipfsbackup.alert;

import org.ipfsbackup.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AlertThrottleTest {
    static final Instant START = Instant.parse("2024-05-05T02:00:00Z");
    final MutableClock clock = new MutableClock(START);
    final AlertThrottle throttle = new AlertThrottle(Duration.ofHours(1), clock);

    static Alert failure(String error) {
        return Alert.of(AlertEvent.BACKUP_FAILURE, "full", "backup-dump", error, "n", START);
    }

    @Test
    void theFirstOccurrenceIsSentRepeatsWithinTheIntervalAreNot() {
        assertThat(throttle.onEvent(failure("e1"))).contains(failure("e1"));
        clock.advance(Duration.ofMinutes(10));
        assertThat(throttle.onEvent(failure("e2"))).isEmpty();
        clock.advance(Duration.ofMinutes(49).plusSeconds(59));
        assertThat(throttle.onEvent(failure("e3"))).isEmpty();
        assertThat(throttle.isOpen("BACKUP_FAILURE/full")).isTrue();
    }

    @Test
    void afterTheIntervalOneReminderSaysHowManyWereHeldBack() {
        throttle.onEvent(failure("e1"));
        clock.advance(Duration.ofMinutes(5));
        throttle.onEvent(failure("e2"));
        throttle.onEvent(failure("e3"));
        clock.advance(Duration.ofMinutes(55));

        Optional<Alert> reminder = throttle.onEvent(failure("e4"));
        assertThat(reminder).isPresent();
        assertThat(reminder.get().error()).isEqualTo("e4 (2 more since 2024-05-05T02:00:00Z)");
        assertThat(reminder.get().resolved()).isFalse();

        // the interval starts again from the reminder
        clock.advance(Duration.ofMinutes(30));
        assertThat(throttle.onEvent(failure("e5"))).isEmpty();
        clock.advance(Duration.ofMinutes(30));
        assertThat(throttle.onEvent(failure("e6")).map(Alert::error)).contains("e6 (1 more since 2024-05-05T03:00:00Z)");
        clock.advance(Duration.ofHours(2));
        assertThat(throttle.onEvent(failure("e7")).map(Alert::error)).contains("e7");
    }

    @Test
    void keysAreThrottledIndependently() {
        assertThat(throttle.onEvent(failure("full"))).isPresent();
        assertThat(throttle.onEvent(Alert.of(AlertEvent.BACKUP_FAILURE, "incremental", "s", "inc", "n", START))).isPresent();
        assertThat(throttle.onEvent(Alert.ofCid(AlertEvent.BACKUP_NOT_PINNED, "full", "bafyA", null, "a", "n", START))).isPresent();
        assertThat(throttle.onEvent(Alert.ofCid(AlertEvent.BACKUP_NOT_PINNED, "full", "bafyB", null, "b", "n", START))).isPresent();
        assertThat(throttle.onEvent(Alert.ofCid(AlertEvent.BACKUP_NOT_PINNED, "full", "bafyA", null, "a", "n", START))).isEmpty();
        assertThat(throttle.openKeys()).containsExactlyInAnyOrder("BACKUP_FAILURE/full", "BACKUP_FAILURE/incremental",
                "BACKUP_NOT_PINNED/full/bafyA", "BACKUP_NOT_PINNED/full/bafyB");
    }

    @Test
    void resolveSendsOneResolvedAlertOnlyOnce() {
        throttle.onEvent(failure("e1"));
        clock.advance(Duration.ofMinutes(90));

        Optional<Alert> resolved = throttle.resolve("BACKUP_FAILURE/full", "full backup full_x succeeded");
        assertThat(resolved).isPresent();
        Alert r = resolved.get();
        assertThat(r.resolved()).isTrue();
        assertThat(r.event()).isEqualTo(AlertEvent.BACKUP_FAILURE);
        assertThat(r.backupType()).isEqualTo("full");
        assertThat(r.key()).isEqualTo("BACKUP_FAILURE/full");
        assertThat(r.time()).isEqualTo(START.plus(Duration.ofMinutes(90)));
        assertThat(r.error()).isEqualTo("full backup full_x succeeded");

        assertThat(throttle.resolve("BACKUP_FAILURE/full", "again")).isEmpty();
        assertThat(throttle.resolve("BACKUP_FAILURE/full")).isEmpty();
        assertThat(throttle.isOpen("BACKUP_FAILURE/full")).isFalse();
    }

    @Test
    void resolvingAnUnknownKeySendsNothing() {
        assertThat(throttle.resolve("NO_RECENT_BACKUP")).isEmpty();
        throttle.onEvent(failure("e1"));
        assertThat(throttle.resolve("BACKUP_FAILURE/incremental")).isEmpty();
        assertThat(throttle.isOpen("BACKUP_FAILURE/full")).isTrue();
    }

    @Test
    void afterResolvingTheNextOccurrenceIsSentAtOnce() {
        throttle.onEvent(failure("e1"));
        clock.advance(Duration.ofMinutes(1));
        throttle.onEvent(failure("e2"));
        assertThat(throttle.resolve("BACKUP_FAILURE/full").map(Alert::error))
                .contains("the condition cleared (1 more since 2024-05-05T02:00:00Z)");
        clock.advance(Duration.ofMinutes(1));
        assertThat(throttle.onEvent(failure("e3")).map(Alert::error)).contains("e3");
    }

    @Test
    void aResolvedAlertGivenAsAnEventResolves() {
        throttle.onEvent(failure("e1"));
        Alert cleared = failure("e1").resolvedAt(START, "ok now");
        assertThat(throttle.onEvent(cleared).map(Alert::resolved)).contains(true);
        assertThat(throttle.onEvent(cleared)).isEmpty();
    }

    @Test
    void theIntervalMustBePositive() {
        assertThatThrownBy(() -> new AlertThrottle(Duration.ZERO, clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AlertThrottle(Duration.ofSeconds(-1), clock)).isInstanceOf(IllegalArgumentException.class);
    }
}
