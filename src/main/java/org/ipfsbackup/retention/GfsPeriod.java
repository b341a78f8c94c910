package org.ipfsbackup.retention;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;

/** The GFS periods, in UTC, and how each names the period a time falls in. */
enum GfsPeriod {
    /** {@code 2026-07-31} */
    DAILY("daily") {
        @Override
        String label(Instant t) {
            return day(t).toString();
        }
    },
    /** {@code 2026-W01}: the ISO week-based year, so 2025-12-29 (a Monday) is in 2026-W01. */
    WEEKLY("weekly") {
        @Override
        String label(Instant t) {
            LocalDate d = day(t);
            return String.format("%d-W%02d", d.get(IsoFields.WEEK_BASED_YEAR), d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
        }
    },
    /** {@code 2026-07} */
    MONTHLY("monthly") {
        @Override
        String label(Instant t) {
            return YearMonth.from(day(t)).toString();
        }
    };

    private final String word;

    GfsPeriod(String word) {
        this.word = word;
    }

    String word() {
        return word;
    }

    abstract String label(Instant t);

    private static LocalDate day(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }
}
