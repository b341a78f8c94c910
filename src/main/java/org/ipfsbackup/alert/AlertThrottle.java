package org.ipfsbackup.alert;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which alerts go out, per {@link Alert#key()}: the first occurrence is sent; repeats within the interval
 * are counted, not sent; the first repeat after the interval is sent as a reminder that says how many were held
 * back; when the condition clears, exactly one RESOLVED alert follows, and only if an alert for that key was sent.
 * State lives in memory (a restart may send one alert again, never swallow one). Thread-safe.
 */
public final class AlertThrottle {
    private final Duration interval;
    private final Clock clock;
    private final Map<String, Open> open = new HashMap<>();

    /** An alert that was sent and has not been resolved. */
    private static final class Open {
        Alert last;
        Instant lastSent;
        int suppressed;

        Open(Alert last, Instant lastSent) {
            this.last = last;
            this.lastSent = lastSent;
        }
    }

    public AlertThrottle(Duration interval, Clock clock) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the repeat interval must be positive, got " + interval);
        }
        this.interval = interval;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The alert to send now, or empty when it repeats one sent less than the interval ago. A reminder carries
     * "(N more since ...)" at the end of its error text. A resolved alert is handled like {@link #resolve(String, String)}.
     */
    public synchronized Optional<Alert> onEvent(Alert a) {
        if (a.resolved()) {
            return resolve(a.key(), a.error());
        }
        Instant now = clock.instant();
        Open o = open.get(a.key());
        if (o == null) {
            open.put(a.key(), new Open(a, now));
            return Optional.of(a);
        }
        if (now.isBefore(o.lastSent.plus(interval))) {
            o.suppressed++;
            o.last = a;
            return Optional.empty();
        }
        Alert reminder = o.suppressed == 0 ? a : a.withError(annotate(a.error(), o.suppressed, o.lastSent));
        o.last = a;
        o.lastSent = now;
        o.suppressed = 0;
        return Optional.of(reminder);
    }

    /** {@link #resolve(String, String)} with a standard detail text. */
    public Optional<Alert> resolve(String key) {
        return resolve(key, null);
    }

    /**
     * The RESOLVED alert to send when the condition behind {@code key} cleared, or empty if no alert for it is open
     * (never sent, or already resolved).
     *
     * @param detail what cleared it (e.g. "full backup full_backup_... succeeded"), or null for a standard text
     */
    public synchronized Optional<Alert> resolve(String key, String detail) {
        Open o = open.remove(key);
        if (o == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        String text = detail == null || detail.isBlank() ? "the condition cleared" : detail;
        if (o.suppressed > 0) {
            text = annotate(text, o.suppressed, o.lastSent);
        }
        return Optional.of(o.last.resolvedAt(now, text));
    }

    /** True while an alert for the key was sent and not resolved. */
    public synchronized boolean isOpen(String key) {
        return open.containsKey(key);
    }

    /** Keys of the alerts sent and not resolved. */
    public synchronized Set<String> openKeys() {
        return Set.copyOf(open.keySet());
    }

    private static String annotate(String error, int suppressed, Instant since) {
        String note = "(" + suppressed + " more since " + since + ")";
        return error == null || error.isBlank() ? note : error + " " + note;
    }
}
