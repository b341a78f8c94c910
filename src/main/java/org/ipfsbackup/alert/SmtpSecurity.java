package org.ipfsbackup.alert;

import java.util.Locale;
import org.ipfsbackup.config.ConfigException;

/** How the SMTP connection is protected: not at all, upgraded with STARTTLS (usually port 587), or TLS from the start (465). */
public enum SmtpSecurity {
    NONE, STARTTLS, SSL;

    /** Parses {@code none|starttls|ssl} (also {@code tls} for SSL), any case; the message names the setting. */
    public static SmtpSecurity parse(String setting, String text) {
        String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        return switch (t) {
            case "NONE", "PLAIN" -> NONE;
            case "STARTTLS" -> STARTTLS;
            case "SSL", "TLS", "SMTPS" -> SSL;
            default -> throw new ConfigException(setting + " = '" + text + "' is not one of none, starttls, ssl");
        };
    }
}
