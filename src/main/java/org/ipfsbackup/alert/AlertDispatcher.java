package org.ipfsbackup.alert;

import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throttle, send, and keep what could not be sent: an alert the throttle lets through is either delivered or in the
 * spool. {@link #retryPending()} (called on a timer, and after every successful send) delivers spooled alerts
 * oldest first and stops at the first failure, so a dead SMTP server is not hammered.
 */
public final class AlertDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.alert");

    private final AlertThrottle throttle;
    private final AlertSender sender;
    private final AlertSpool spool;

    /** What became of an alert. */
    public enum Outcome { SENT, SUPPRESSED, SPOOLED, NOTHING_OPEN }

    public AlertDispatcher(AlertThrottle throttle, AlertSender sender, AlertSpool spool) {
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.spool = Objects.requireNonNull(spool, "spool");
    }

    /** A condition occurred: send the alert unless the throttle holds it back. */
    public Outcome raise(Alert a) {
        return deliver(throttle.onEvent(a), Outcome.SUPPRESSED);
    }

    /** A condition cleared: send one RESOLVED alert if an alert for the key was sent. */
    public Outcome resolve(String key, String detail) {
        return deliver(throttle.resolve(key, detail), Outcome.NOTHING_OPEN);
    }

    /** Sends spooled alerts, oldest first, until one fails; returns how many went out. */
    public synchronized int retryPending() {
        int sent = 0;
        for (SpooledAlert s : spool.pending()) {
            try {
                sender.send(s.alert());
            } catch (Exception e) {
                spool.failedAgain(s.id(), reason(e));
                LOG.debug("alert {} still cannot be sent (attempt {}): {}", s.id(), s.attempts() + 1, reason(e));
                return sent;
            }
            spool.sent(s.id());
            sent++;
        }
        if (sent > 0) {
            LOG.info("{} kept alert(s) sent", sent);
        }
        return sent;
    }

    private Outcome deliver(Optional<Alert> toSend, Outcome whenEmpty) {
        if (toSend.isEmpty()) {
            return whenEmpty;
        }
        Alert a = toSend.get();
        try {
            sender.send(a);
        } catch (Exception e) {
            String id = spool.keep(a, reason(e));
            LOG.warn("alert {} could not be sent ({}); kept as {} and retried later", a.key(), reason(e), id);
            return Outcome.SPOOLED;
        }
        try {
            retryPending();
        } catch (RuntimeException e) {
            LOG.warn("kept alerts cannot be retried now: {}", e.getMessage());
        }
        return Outcome.SENT;
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        return SecretScrubber.PATTERNS.scrub(e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
    }
}
