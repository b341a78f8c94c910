package org.ipfsbackup.alert;

import org.ipfsbackup.mongo.Masking;

import java.time.Instant;
import java.util.Objects;

/**
 * One alert, firing or resolved. Free texts (step, error, backup name) may hold anything a failure said: the
 * {@link AlertComposer} masks secrets before any of it leaves the process.
 *
 * @param backupType {@code full}, {@code incremental}, or null when the event is not about one backup type
 * @param step the Camel route id (or other step name) where it happened, or null
 * @param key what makes two alerts "the same" for throttling and resolving: event + type (+ CID where relevant),
 *            see {@link #key(AlertEvent, String, String)}
 * @param resolved true for the message that says the condition cleared
 */
public record Alert(AlertEvent event, Severity severity, String backupType, String step, String error,
                    String backupName, Instant time, String key, boolean resolved) {

    public Alert {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException("an alert needs a non-blank key");
        }
        if (backupType != null && !backupType.equals("full") && !backupType.equals("incremental")) {
            throw new IllegalArgumentException("backup type must be full, incremental or null, got '" + backupType + "'");
        }
    }

    /** A firing alert with the event's default severity, keyed by event and backup type. */
    public static Alert of(AlertEvent event, String backupType, String step, String error, String backupName, Instant time) {
        return new Alert(event, event.defaultSeverity(), backupType, step, error, backupName, time,
                key(event, backupType, null), false);
    }

    /** A firing alert about one piece of content (e.g. {@link AlertEvent#BACKUP_NOT_PINNED}): the CID is part of its key. */
    public static Alert ofCid(AlertEvent event, String backupType, String cid, String step, String error, String backupName,
                              Instant time) {
        Objects.requireNonNull(cid, "cid");
        return new Alert(event, event.defaultSeverity(), backupType, step, error, backupName, time,
                key(event, backupType, cid), false);
    }

    /** {@code EVENT}, {@code EVENT/type}, {@code EVENT/type/cid} or {@code EVENT/-/cid}. */
    public static String key(AlertEvent event, String backupType, String cid) {
        StringBuilder k = new StringBuilder(event.name());
        if (backupType != null || cid != null) {
            k.append('/').append(backupType == null ? "-" : backupType);
        }
        if (cid != null) {
            k.append('/').append(cid);
        }
        return k.toString();
    }

    public Alert withError(String newError) {
        return new Alert(event, severity, backupType, step, newError, backupName, time, key, resolved);
    }

    /** The message that says this alert's condition cleared at {@code when}; {@code detail} replaces the error text. */
    public Alert resolvedAt(Instant when, String detail) {
        return new Alert(event, severity, backupType, step, detail, backupName, when, key, true);
    }

    /** This alert with its free texts (step, error, backup name) masked. */
    public Alert masked(Masking masking) {
        return new Alert(event, severity, backupType, masking.mask(step), masking.mask(error), masking.mask(backupName),
                time, key, resolved);
    }
}
