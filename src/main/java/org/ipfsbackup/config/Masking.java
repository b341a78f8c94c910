package org.ipfsbackup.config;

import java.util.regex.Pattern;

/** Hides credentials in text that may reach a log, an exception message or an alert. */
public final class Masking {
    private static final Pattern USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@\\s]+)@");
    private static final Pattern QUERY_SECRETS = Pattern.compile("(?i)((?:password|pwd|secret|token|key)=)[^&\\s]+");

    private Masking() {
    }

    /** {@code mongodb://user:pw@host/?password=x} becomes {@code mongodb://***@host/?password=***}. */
    public static String maskUri(String text) {
        if (text == null) {
            return null;
        }
        String s = USERINFO.matcher(text).replaceAll("$1***@");
        return QUERY_SECRETS.matcher(s).replaceAll("$1***");
    }
}
