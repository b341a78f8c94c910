package org.ipfsbackup.alert;

import org.ipfsbackup.mongo.Masking;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The words of an alert: e-mail subject and body, and Slack-compatible webhook JSON. Every free text goes through
 * a {@link Masking} first, so no credential reaches a mailbox or a chat.
 */
public final class AlertComposer {
    /** Longer error texts (stack traces) are cut: the log has them whole. */
    static final int MAX_ERROR_CHARS = 4000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "[ipfs-backup]";

    private final String hostName;
    private final Masking masking;

    /** This machine's host name; secrets found by pattern only. */
    public AlertComposer() {
        this(localHostName(), List.of());
    }

    /**
     * @param hostName shown in the body so operators know which instance speaks
     * @param knownSecrets secret values (SMTP password, encryption key, cluster token ...) hidden wherever they appear
     */
    public AlertComposer(String hostName, Collection<String> knownSecrets) {
        this.hostName = Objects.requireNonNull(hostName, "hostName");
        this.masking = new Masking(knownSecrets);
    }

    /** e.g. {@code [ipfs-backup][CRITICAL] backup failure (full)} or {@code [ipfs-backup][RESOLVED] backup failure (full)}. */
    public String subject(Alert a) {
        String status = a.resolved() ? "RESOLVED" : a.severity().name();
        String type = a.backupType() == null ? "" : " (" + a.backupType() + ")";
        return PREFIX + "[" + status + "] " + a.event().title() + type;
    }

    /** Plain text: status, event, type, route/step, backup name, time (UTC, ISO-8601), host, error, what to check. */
    public String body(Alert a) {
        Alert s = a.masked(masking);
        StringBuilder b = new StringBuilder();
        if (s.resolved()) {
            b.append("RESOLVED: ").append(s.event().title()).append(" - the condition has cleared.\n\n");
        } else {
            b.append(s.severity().name()).append(": ").append(s.event().title()).append("\n\n");
        }
        line(b, "Event", s.event().name());
        line(b, "Severity", s.severity().name() + (s.resolved() ? " (while it lasted)" : ""));
        line(b, "Backup type", s.backupType());
        line(b, "Route/step", s.step());
        line(b, "Backup name", s.backupName());
        line(b, "Time (UTC)", DateTimeFormatter.ISO_INSTANT.format(s.time()));
        line(b, "Host", hostName);
        line(b, "Alert key", s.key());
        b.append('\n').append(s.resolved() ? "Detail:" : "Error:").append('\n');
        b.append(indent(cut(s.error()))).append("\n\n");
        if (s.resolved()) {
            b.append("Nothing to do: this alert will be sent again if the condition returns.\n");
        } else {
            b.append("What to check:\n").append(indent(s.event().whatToCheck())).append('\n');
        }
        return b.toString();
    }

    /** {@code {"text": "<subject>\n<body>"}} for Slack (and compatible) incoming webhooks. */
    public String slackJson(Alert a) {
        try {
            return JSON.writeValueAsString(Map.of("text", "*" + subject(a) + "*\n" + body(a)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a map of strings as JSON", e);
        }
    }

    /** The host name, or "unknown-host" when the machine cannot tell. */
    public static String localHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(String.format("%-14s%s", label + ":", value == null || value.isBlank() ? "-" : oneLine(value))).append('\n');
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }

    private static String cut(String error) {
        if (error == null || error.isBlank()) {
            return "(no message)";
        }
        if (error.length() <= MAX_ERROR_CHARS) {
            return error;
        }
        return error.substring(0, MAX_ERROR_CHARS) + "\n... (" + (error.length() - MAX_ERROR_CHARS) + " more characters in the log)";
    }

    private static String indent(String text) {
        return "  " + text.replace("\r\n", "\n").replace("\n", "\n  ");
    }
}
