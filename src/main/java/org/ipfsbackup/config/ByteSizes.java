package org.ipfsbackup.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses sizes as operators write them: {@code 1GiB}, {@code 512MiB}, {@code 10 GB}, {@code 2g} or plain bytes.
 * KiB/MiB/GiB/TiB and the bare letters K/M/G/T are binary (1024); KB/MB/GB/TB are decimal (1000).
 */
public final class ByteSizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);

    private ByteSizes() {
    }

    /** A positive byte count; anything else fails with a {@link ConfigException} naming {@code setting}. */
    public static long parse(String setting, String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigException(setting + " is empty: give a size such as 512MiB or 1GiB");
        }
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new ConfigException(setting + " = '" + text + "' is not a size (examples: 512MiB, 1GiB, 10GB, 1073741824)");
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long base = unit.length() == 2 && !unit.equals("b") && unit.endsWith("b") ? 1000 : 1024; // KB, MB: decimal
        int power = switch (unit.charAt(0)) {
            case 'k' -> 1;
            case 'm' -> 2;
            case 'g' -> 3;
            case 't' -> 4;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            for (int i = 0; i < power; i++) {
                n = Math.multiplyExact(n, base);
            }
            if (n <= 0) {
                throw new ConfigException(setting + " = '" + text + "' must be positive");
            }
            return n;
        } catch (ArithmeticException | NumberFormatException e) {
            throw new ConfigException(setting + " = '" + text + "' is too large");
        }
    }
}
