package org.ipfsbackup.alert;

import org.ipfsbackup.mongo.Masking;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throttle, send, and keep what could not be sent: an alert the throttle lets through is, on every channel (e-mail,
 * webhook), either delivered or in that channel's spool. A channel that fails does not hold back the others, and a
 * kept alert is retried only on the channel that missed it, so nobody gets it twice. {@link #retryPending()} (called
 * on a timer, and after every successful send) delivers spooled alerts oldest first and stops a channel at its first
 * failure, so a dead SMTP server is not hammered.
 */
public final class AlertDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.alert");

    private final AlertThrottle throttle;
    private final List<Channel> channels;

    /** What became of an alert: SPOOLED when at least one channel could not take it and keeps it for later. */
    public enum Outcome { SENT, SUPPRESSED, SPOOLED, NOTHING_OPEN }

    /** One way out (e-mail, webhook) with its own spool. */
    public record Channel(String name, AlertSender sender, AlertSpool spool) {
        public Channel {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(spool, "spool");
        }
    }

    /** A single channel (e-mail). */
    public AlertDispatcher(AlertThrottle throttle, AlertSender sender, AlertSpool spool) {
        this(throttle, List.of(new Channel("mail", sender, spool)));
    }

    public AlertDispatcher(AlertThrottle throttle, List<Channel> channels) {
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        if (channels == null || channels.isEmpty()) {
            throw new IllegalArgumentException("an alert dispatcher needs at least one channel");
        }
        this.channels = List.copyOf(channels);
    }

    /** A condition occurred: send the alert unless the throttle holds it back. */
    public Outcome raise(Alert a) {
        return deliver(throttle.onEvent(a), Outcome.SUPPRESSED);
    }

    /** A condition cleared: send one RESOLVED alert if an alert for the key was sent. */
    public Outcome resolve(String key, String detail) {
        return deliver(throttle.resolve(key, detail), Outcome.NOTHING_OPEN);
    }

    /** Sends spooled alerts, oldest first, each channel until one fails; returns how many went out. */
    public synchronized int retryPending() {
        int sent = 0;
        for (Channel c : channels) {
            sent += retry(c);
        }
        if (sent > 0) {
            LOG.info("{} kept alert(s) sent", sent);
        }
        return sent;
    }

    private static int retry(Channel c) {
        int sent = 0;
        for (SpooledAlert s : c.spool().pending()) {
            try {
                c.sender().send(s.alert());
            } catch (Exception e) {
                c.spool().failedAgain(s.id(), reason(e));
                LOG.debug("alert {} still cannot be sent by {} (attempt {}): {}", s.id(), c.name(), s.attempts() + 1, reason(e));
                return sent;
            }
            c.spool().sent(s.id());
            sent++;
        }
        return sent;
    }

    private Outcome deliver(Optional<Alert> toSend, Outcome whenEmpty) {
        if (toSend.isEmpty()) {
            return whenEmpty;
        }
        Alert a = toSend.get();
        boolean allSent = true;
        for (Channel c : channels) {
            try {
                c.sender().send(a);
            } catch (Exception e) {
                String id = c.spool().keep(a, reason(e));
                LOG.warn("alert {} could not be sent by {} ({}); kept as {} and retried later", a.key(), c.name(), reason(e), id);
                allSent = false;
                continue;
            }
            // the channel answers again: what it missed before goes out now rather than at the next timer tick
            synchronized (this) {
                try {
                    int n = retry(c);
                    if (n > 0) {
                        LOG.info("{} kept alert(s) sent by {}", n, c.name());
                    }
                } catch (RuntimeException e) {
                    LOG.warn("kept alerts cannot be retried now: {}", e.getMessage());
                }
            }
        }
        return allSent ? Outcome.SENT : Outcome.SPOOLED;
    }

    private static String reason(Exception e) {
        Throwable t = e;
        // a framework wrapper (Camel's CamelExecutionException, an ExecutionException) says less than its cause
        while (t.getCause() != null && t.getClass().getSimpleName().endsWith("ExecutionException")) {
            t = t.getCause();
        }
        String m = t.getMessage();
        e = t instanceof Exception ex ? ex : e;
        return Masking.PATTERNS.mask(e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
    }
}
