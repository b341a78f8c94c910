package org.ipfsbackup.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as operators write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 6h}, {@code 2d}, ISO-8601 ({@code PT30S}) or plain seconds. */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    public static Duration parse(String setting, String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigException(setting + " is empty: give a duration such as 30s, 5m or 6h");
        }
        String t = text.trim();
        try {
            if (t.startsWith("P") || t.startsWith("p")) {
                return positive(setting, text, Duration.parse(t));
            }
        } catch (RuntimeException e) {
            throw new ConfigException(setting + " = '" + text + "' is not a duration (examples: 30s, 5m, 6h, PT30S)");
        }
        Matcher m = SIMPLE.matcher(t);
        if (!m.matches()) {
            throw new ConfigException(setting + " = '" + text + "' is not a duration (examples: 30s, 5m, 6h, PT30S)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
        return positive(setting, text, d);
    }

    private static Duration positive(String setting, String text, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException(setting + " = '" + text + "' must be positive");
        }
        return d;
    }
}
