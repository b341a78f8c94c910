package org.ipfsbackup.alert;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.config.Durations;
import org.ipfsbackup.config.PropertySource;
import org.ipfsbackup.config.Secrets;
import org.ipfsbackup.config.Urls;

/**
 * Where alerts go. The SMTP password is a secret (environment {@value #PASSWORD_SECRET} or its {@code _FILE}) and is
 * not held here, only whether it is present; the webhook URL carries a token in its path and is masked in
 * {@link #toString()}. When enabled, every check names the setting it is about.
 *
 * @param username SMTP login, or null for no authentication
 * @param to recipients, at least one when e-mail is configured
 * @param repeatInterval the same alert is not sent again within this interval
 * @param webhookUrl Slack-compatible incoming webhook, or null
 */
public record AlertSettings(boolean enabled, String smtpHost, int smtpPort, String username, boolean passwordPresent,
                            SmtpSecurity security, String from, List<String> to, Duration repeatInterval, URI webhookUrl) {

    public static final String PASSWORD_SECRET = "ALERT_SMTP_PASSWORD";
    public static final String WEBHOOK_SECRET = "ALERT_WEBHOOK_URL";

    static final String ENABLED = "ALERT_ENABLED (alert.enabled)";
    static final String HOST = "ALERT_SMTP_HOST (alert.smtp.host)";
    static final String PORT = "ALERT_SMTP_PORT (alert.smtp.port)";
    static final String USER = "ALERT_SMTP_USER (alert.smtp.username)";
    static final String SECURITY = "ALERT_SMTP_SECURITY (alert.smtp.security)";
    private static final String WEBHOOK_EXAMPLE = "https://hooks.slack.com/services/...";
    static final String FROM = "ALERT_FROM (alert.from)";
    static final String TO = "ALERT_TO (alert.to)";
    static final String REPEAT = "ALERT_REPEAT_INTERVAL (alert.repeat-interval)";

    /** A plain address: local part, '@', a host name (a dot is not required, e.g. {@code ops@localhost}). */
    private static final Pattern ADDRESS = Pattern.compile(
            "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*");
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._:\\[\\]-]+");

    public AlertSettings {
        smtpHost = blankToNull(smtpHost);
        username = blankToNull(username);
        from = blankToNull(from);
        to = to == null ? List.of() : List.copyOf(to);
        if (enabled) {
            validate(smtpHost, smtpPort, username, passwordPresent, security, from, to, repeatInterval, webhookUrl);
        }
    }

    /** True when e-mail is configured (an SMTP host is set). */
    public boolean email() {
        return enabled && smtpHost != null;
    }

    /** True when a webhook is configured. */
    public boolean webhook() {
        return enabled && webhookUrl != null;
    }

    /**
     * Reads {@code alert.*} properties and the secrets {@value #PASSWORD_SECRET} and {@value #WEBHOOK_SECRET}.
     * Defaults: disabled, port 587, STARTTLS, repeat interval 1h.
     */
    public static AlertSettings load(PropertySource p, Secrets secrets) {
        boolean enabled = p.getBoolean("alert.enabled", false);
        List<String> to = new ArrayList<>();
        for (String s : p.getOrDefault("alert.to", "").split(",")) {
            if (!s.isBlank()) {
                to.add(s.trim());
            }
        }
        String webhook = secrets.get(WEBHOOK_SECRET).filter(s -> !s.isBlank()).orElse(null);
        return new AlertSettings(enabled, p.getOrDefault("alert.smtp.host", null), p.getInt("alert.smtp.port", 587, 1, 65_535),
                p.getOrDefault("alert.smtp.username", null), secrets.get(PASSWORD_SECRET).filter(s -> !s.isEmpty()).isPresent(),
                SmtpSecurity.parse(SECURITY, p.getOrDefault("alert.smtp.security", "starttls")),
                p.getOrDefault("alert.from", null), to,
                Durations.parse(REPEAT, p.getOrDefault("alert.repeat-interval", "1h")),
                webhook == null ? null : webhookUri(webhook));
    }

    @Override
    public String toString() {
        return "AlertSettings[enabled=" + enabled + ", smtp=" + (smtpHost == null ? "none" : smtpHost + ":" + smtpPort)
                + ", security=" + security + ", username=" + (username == null ? "none" : username)
                + ", password=" + (passwordPresent ? "***" : "none") + ", from=" + from + ", to=" + to
                + ", repeatInterval=" + repeatInterval + ", webhook="
                + (webhookUrl == null ? "none" : webhookUrl.getScheme() + "://" + webhookUrl.getHost() + "/***") + "]";
    }

    private static void validate(String smtpHost, int smtpPort, String username, boolean passwordPresent,
                                 SmtpSecurity security, String from, List<String> to, Duration repeatInterval, URI webhookUrl) {
        if (smtpHost == null && webhookUrl == null) {
            throw new ConfigException(ENABLED + " is true but neither " + HOST + " nor " + WEBHOOK_SECRET
                    + " is set: alerts would go nowhere");
        }
        if (repeatInterval == null || repeatInterval.isZero() || repeatInterval.isNegative()) {
            throw new ConfigException(REPEAT + " must be a positive duration such as 1h, got " + repeatInterval);
        }
        if (webhookUrl != null) {
            checkWebhook(webhookUrl);
        }
        if (smtpHost == null) {
            return;
        }
        if (!HOST_NAME.matcher(smtpHost).matches()) {
            throw new ConfigException(HOST + " = '" + smtpHost + "' is not a host name (give e.g. smtp.example.org, without a scheme)");
        }
        if (smtpPort < 1 || smtpPort > 65_535) {
            throw new ConfigException(PORT + " = " + smtpPort + " is out of range 1..65535");
        }
        if (security == null) {
            throw new ConfigException(SECURITY + " is not set: give none, starttls or ssl");
        }
        if (username != null && !passwordPresent) {
            throw new ConfigException(USER + " is set but " + PASSWORD_SECRET + " (nor " + PASSWORD_SECRET
                    + "_FILE) is not: give the password, or leave the user empty for no authentication");
        }
        if (username == null && passwordPresent) {
            throw new ConfigException(PASSWORD_SECRET + " is set but " + USER + " is not: the login needs both");
        }
        if (from == null) {
            throw new ConfigException(FROM + " is not set: e-mail alerts need a sender address such as ipfs-backup@example.org");
        }
        address(FROM, from);
        if (to.isEmpty()) {
            throw new ConfigException(TO + " is not set: give one or more recipient addresses, separated by commas");
        }
        for (String t : to) {
            address(TO, t);
        }
    }

    private static void address(String setting, String value) {
        if (!ADDRESS.matcher(value).matches()) {
            throw new ConfigException(setting + " = '" + value + "' is not an e-mail address like ops@example.org");
        }
    }

    private static void checkWebhook(URI u) {
        // the URL itself is a secret (its path holds the token): not repeated in the message
        Urls.http(WEBHOOK_SECRET, u.toString(), true, WEBHOOK_EXAMPLE);
    }

    private static URI webhookUri(String value) {
        return Urls.http(WEBHOOK_SECRET, value, true, WEBHOOK_EXAMPLE);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
