package org.ipfsbackup.status;

import java.util.Locale;

/** Byte counts as people read them: binary units, one decimal below 10 (1.5 GiB, 12 MiB, 512 B). */
public final class HumanSize {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private HumanSize() {
    }

    public static String of(long bytes) {
        if (bytes < 0) {
            return "-";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        return v < 10 ? String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]) : String.format(Locale.ROOT, "%.0f %s", v, UNITS[u]);
    }
}
