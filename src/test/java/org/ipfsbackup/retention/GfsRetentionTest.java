package org.ipfsbackup.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ipfsbackup.retention.Backups.cids;
import static org.ipfsbackup.retention.Backups.clockAt;
import static org.ipfsbackup.retention.Backups.full;
import static org.ipfsbackup.retention.Backups.inc;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.ipfsbackup.manifest.ManifestEntry;
import org.junit.jupiter.api.Test;

/** GFS on top of the age rule. A one-day period isolates GFS in most cases: everything here is older than that. */
class GfsRetentionTest {
    static Instant t(String iso) {
        return Instant.parse(iso);
    }

    static List<String> expire(int days, int daily, int weekly, int monthly, Instant now, List<ManifestEntry> m) {
        return cids(new RetentionPolicy(new RetentionSettings(days, daily, weekly, monthly), clockAt(now)).toExpire(m));
    }

    static Map<String, String> reasons(int daily, int weekly, int monthly, Instant now, List<ManifestEntry> m) {
        return new RetentionPolicy(new RetentionSettings(1, daily, weekly, monthly), clockAt(now)).decide(m).stream()
                .collect(Collectors.toMap(d -> d.entry().cid(), RetentionDecision::reason));
    }

    @Test
    void gfsIsOffByDefault() {
        Instant now = t("2026-12-01T00:00:00Z");
        List<ManifestEntry> m = List.of(full("A", t("2026-10-30T00:00:00Z")), full("B", t("2026-10-31T00:00:00Z")),
                full("C", t("2026-11-01T00:00:00Z")));
        assertThat(expire(1, 0, 0, 0, now, m)).containsExactly("A", "B");
    }

    @Test
    void dailyKeepsTheNewestOfEachUtcDay() {
        Instant now = t("2026-11-10T12:00:00Z");
        List<ManifestEntry> m = List.of(full("D", t("2026-10-29T12:00:00Z")), full("C", t("2026-10-30T00:00:00Z")),
                full("B", t("2026-10-30T23:59:59Z")), full("A", t("2026-10-31T00:00:00Z")), full("N", t("2026-11-01T02:00:00Z")));
        // today's-newest counts as one of the days: N (11-01), A (10-31), B (10-30)
        assertThat(expire(1, 3, 0, 0, now, m)).containsExactly("D", "C");
        assertThat(expire(1, 4, 0, 0, now, m)).containsExactly("C");
        assertThat(expire(1, 1, 0, 0, now, m)).containsExactly("D", "C", "B", "A");
        Map<String, String> r = reasons(3, 0, 0, now, m);
        assertThat(r.get("A")).isEqualTo("kept: GFS daily 2026-10-31");
        assertThat(r.get("B")).isEqualTo("kept: GFS daily 2026-10-30");
        assertThat(r.get("N")).isEqualTo("kept: newest full backup's chain");
    }

    @Test
    void weeklyFollowsIsoWeeksAcrossTheYearBoundaryAndKeepsTheChainOfAnIncrementalPoint() {
        Instant now = t("2026-06-01T00:00:00Z");
        List<ManifestEntry> m = List.of(
                full("A", t("2025-12-21T02:00:00Z")),                 // Sunday, 2025-W51
                full("B", t("2025-12-28T02:00:00Z")),                 // Sunday, 2025-W52
                inc("C", t("2025-12-28T23:59:59Z"), "B", "B"),        // newest of 2025-W52
                full("D", t("2025-12-29T00:00:00Z")),                 // Monday, 2026-W01
                inc("E", t("2025-12-31T12:00:00Z"), "D", "D"),        // newest of 2026-W01
                full("G", t("2026-01-05T02:00:00Z")));                // Monday, 2026-W02, the newest
        assertThat(expire(1, 0, 3, 0, now, m)).containsExactly("A");
        assertThat(expire(1, 0, 2, 0, now, m)).containsExactly("A", "B", "C");
        assertThat(expire(1, 0, 1, 0, now, m)).containsExactly("A", "B", "C", "D", "E");
        Map<String, String> r = reasons(0, 3, 0, now, m);
        assertThat(r.get("E")).isEqualTo("kept: GFS weekly 2026-W01");
        assertThat(r.get("D")).isEqualTo("kept: incremental E depends on it");
        assertThat(r.get("C")).isEqualTo("kept: GFS weekly 2025-W52");
        assertThat(r.get("B")).isEqualTo("kept: incremental C depends on it");
        assertThat(r.get("A")).isEqualTo("older than 1 days (2025-12-21T02:00:00Z)");
    }

    @Test
    void monthlyKeepsTheNewestOfEachCalendarMonth() {
        Instant now = t("2026-12-01T00:00:00Z");
        List<ManifestEntry> m = List.of(
                full("M1", t("2026-06-01T00:00:00Z")),
                full("M2", t("2026-06-30T23:59:59Z")),                // newest of June
                full("M3", t("2026-07-31T23:59:59Z")),                // newest of July
                full("M4", t("2026-08-01T00:00:00Z")),
                full("M4b", t("2026-08-10T00:00:00Z")),
                inc("M5", t("2026-08-15T00:00:00Z"), "M4b", "M4b"),  // newest of August
                full("N", t("2026-09-02T00:00:00Z")));
        assertThat(expire(1, 0, 0, 3, now, m)).containsExactly("M1", "M2", "M4");
        assertThat(expire(1, 0, 0, 4, now, m)).containsExactly("M1", "M4");
        Map<String, String> r = reasons(0, 0, 3, now, m);
        assertThat(r.get("M3")).isEqualTo("kept: GFS monthly 2026-07");
        assertThat(r.get("M5")).isEqualTo("kept: GFS monthly 2026-08");
        assertThat(r.get("M4b")).isEqualTo("kept: incremental M5 depends on it");
    }

    @Test
    void periodsWithoutBackupsDoNotUseUpTheCount() {
        Instant now = t("2026-12-01T00:00:00Z");
        List<ManifestEntry> m = List.of(full("JUN", t("2026-06-30T00:00:00Z")), full("JUL", t("2026-07-31T00:00:00Z")),
                full("SEP", t("2026-09-02T00:00:00Z"))); // no backup in August (an outage)
        assertThat(expire(1, 0, 0, 3, now, m)).isEmpty();
        assertThat(expire(1, 0, 0, 2, now, m)).containsExactly("JUN");
    }

    @Test
    void onlyRestorablePointsCount() {
        Instant now = t("2026-12-01T00:00:00Z");
        List<ManifestEntry> m = List.of(full("JUL", t("2026-07-20T00:00:00Z")),
                inc("ORPHAN", t("2026-07-31T00:00:00Z"), "GONE", "GONE"), full("SEP", t("2026-09-02T00:00:00Z")));
        assertThat(expire(1, 0, 0, 2, now, m)).containsExactly("ORPHAN");
    }

    @Test
    void oneBackupCanBeSeveralGfsPoints() {
        Instant now = t("2026-06-01T00:00:00Z");
        List<ManifestEntry> m = List.of(full("SAT", t("2026-01-03T10:00:00Z")), full("SUN", t("2026-01-04T10:00:00Z")),
                full("MON", t("2026-01-05T10:00:00Z")));
        assertThat(reasons(2, 2, 0, now, m).get("SUN")).isEqualTo("kept: GFS daily 2026-01-04, weekly 2026-W01");
        assertThat(expire(1, 2, 2, 0, now, m)).containsExactly("SAT");
    }

    /**
     * A year of Sunday fulls with daily incrementals, 90 days and 12 monthly: besides the last 90 days, exactly the
     * newest backup of each month and the part of its chain it needs survive.
     */
    @Test
    void aYearOfWeeklyChainsWithTwelveMonthly() {
        Instant now = t("2026-11-01T12:00:00Z");
        List<ManifestEntry> m = new ArrayList<>();
        String base = null;
        String prev = null;
        for (LocalDate d = LocalDate.parse("2025-09-28"); !d.isAfter(LocalDate.parse("2026-11-01")); d = d.plusDays(1)) {
            Instant at = d.atTime(2, 0).toInstant(ZoneOffset.UTC);
            if (d.getDayOfWeek() == DayOfWeek.SUNDAY) {
                m.add(full("F" + d, at));
                base = "F" + d;
            } else {
                m.add(inc("I" + d, at, base, prev));
            }
            prev = m.get(m.size() - 1).cid();
        }
        Instant cutoff = now.minus(Duration.ofDays(90));
        Set<LocalDate> keptOldDays = new HashSet<>();
        for (YearMonth ym = YearMonth.parse("2025-12"); !ym.isAfter(YearMonth.parse("2026-07")); ym = ym.plusMonths(1)) {
            LocalDate last = ym.atEndOfMonth();
            for (LocalDate d = last.with(TemporalAdjusters.previousOrSame(DayOfWeek.SUNDAY)); !d.isAfter(last); d = d.plusDays(1)) {
                keptOldDays.add(d);
            }
        }
        keptOldDays.add(LocalDate.parse("2026-08-02")); // the full and first incremental of the chain that crosses the cutoff
        keptOldDays.add(LocalDate.parse("2026-08-03"));
        List<String> expected = m.stream().filter(e -> e.timestamp().isBefore(cutoff))
                .filter(e -> !keptOldDays.contains(LocalDate.ofInstant(e.timestamp(), ZoneOffset.UTC))).map(ManifestEntry::cid).toList();

        assertThat(expire(90, 0, 0, 12, now, m)).containsExactlyElementsOf(expected);
        assertThat(expected).contains("F2025-11-30", "I2026-08-01", "I2026-06-27").doesNotContain("F2026-05-31", "I2026-06-30");
        // without GFS, only the chain crossing the cutoff survives beyond the period
        assertThat(expire(90, 0, 0, 0, now, m)).hasSize((int) m.stream().filter(e -> e.timestamp().isBefore(cutoff)).count() - 2);
    }
}
