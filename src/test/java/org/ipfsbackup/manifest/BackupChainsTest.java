package org.ipfsbackup.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackupChainsTest {
    static final long T0 = Instant.parse("2026-11-01T02:00:00Z").getEpochSecond();

    static ManifestEntry full(String cid, long endSec) {
        return entry("full", cid, endSec, null, null, null);
    }

    static ManifestEntry inc(String cid, long startSec, long endSec, String base, String previous) {
        return entry("incremental", cid, endSec, startSec + ":1", base, previous);
    }

    static ManifestEntry entry(String type, String cid, long endSec, String start, String base, String previous) {
        return ManifestEntry.builder(type, cid, Instant.ofEpochSecond(endSec + 1)).file(cid, 1, "00").databases(List.of("shop"))
                .source(null, "rs0").durationMs(1).engine("driver").compression("gzip").key("k1", null).oplog(start, endSec + ":5", 3L)
                .chain(base, previous).build();
    }

    final ManifestEntry f1 = full("F1", T0);
    final ManifestEntry i1 = inc("I1", T0 + 10, T0 + 86400, "F1", "F1");
    final ManifestEntry i2 = inc("I2", T0 + 86401, T0 + 2 * 86400, "F1", "I1");
    final ManifestEntry f2 = full("F2", T0 + 7 * 86400);
    final ManifestEntry i3 = inc("I3", T0 + 7 * 86400 + 5, T0 + 8 * 86400, "F2", "F2");

    @Test
    void nextIncrementalContinuesTheNewestChain() {
        assertThat(BackupChains.planIncremental(List.of(f1, i1, i2)))
                .contains(new BackupChains.IncrementalPlan("F1", "I2", org.ipfsbackup.mongo.OplogPosition.parse((T0 + 2 * 86400) + ":5")));
        assertThat(BackupChains.planIncremental(List.of(f1, i1, i2, f2)).orElseThrow().previous()).isEqualTo("F2");
        assertThat(BackupChains.planIncremental(List.of())).isEmpty();
        ManifestEntry deletedFull = ManifestEntry.full("F9", Instant.now()).file("x", 1, "0").durationMs(1).oplog(null, "1:1", null)
                .deleted(Instant.now()).build();
        assertThat(BackupChains.planIncremental(List.of(deletedFull))).isEmpty();
    }

    @Test
    void restorePlanTakesTheFullBeforeTheTimeAndIncrementalsUpToIt() {
        List<ManifestEntry> all = List.of(f1, i1, i2, f2, i3);
        var latest = BackupChains.planRestore(all, null);
        assertThat(latest.full().cid()).isEqualTo("F2");
        assertThat(latest.incrementals()).extracting(ManifestEntry::cid).containsExactly("I3");
        assertThat(latest.until()).isNull();

        var mid = BackupChains.planRestore(all, Instant.ofEpochSecond(T0 + 86400 + 100));
        assertThat(mid.full().cid()).isEqualTo("F1");
        assertThat(mid.incrementals()).extracting(ManifestEntry::cid).containsExactly("I1", "I2");
        assertThat(mid.until().seconds()).isEqualTo(T0 + 86400 + 100);

        var exactlyAtFirstEnd = BackupChains.planRestore(all, Instant.ofEpochSecond(T0 + 86400));
        assertThat(exactlyAtFirstEnd.incrementals()).extracting(ManifestEntry::cid).containsExactly("I1");

        var justTheFull = BackupChains.planRestore(all, Instant.ofEpochSecond(T0));
        assertThat(justTheFull.full().cid()).isEqualTo("F1");
        assertThat(justTheFull.incrementals()).isEmpty();
    }

    /** Slices are incrementals of their chain: planned after, restored through and windowed up to like any other. */
    @Test
    void slicesBetweenDailyIncrementalsArePartOfTheirChain() {
        // F1, then slices every 10 minutes, then the daily incremental after the last slice
        ManifestEntry s1 = inc("S1", T0 + 1, T0 + 600, "F1", "F1").toBuilder().slice(true).build();
        ManifestEntry s2 = inc("S2", T0 + 601, T0 + 1200, "F1", "S1").toBuilder().slice(true).build();
        assertThat(s1.isSliceEntry()).isTrue();
        // the marker is in the JSON (list --json, backup --json, the published manifest) and read back; absent otherwise
        var json = new com.fasterxml.jackson.databind.ObjectMapper().registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule());
        try {
            assertThat(json.writeValueAsString(s1)).contains("\"slice\":true");
            assertThat(json.readValue(json.writeValueAsString(s1), ManifestEntry.class).isSliceEntry()).isTrue();
            assertThat(json.writeValueAsString(f1)).doesNotContain("slice");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(BackupChains.planIncremental(List.of(f1, s1, s2)).orElseThrow())
                .isEqualTo(new BackupChains.IncrementalPlan("F1", "S2", org.ipfsbackup.mongo.OplogPosition.parse((T0 + 1200) + ":5")));
        ManifestEntry daily = inc("D1", T0 + 1201, T0 + 86400, "F1", "S2");
        List<ManifestEntry> all = List.of(f1, s1, s2, daily);
        assertThat(BackupChains.chainOf(all, f1)).extracting(ManifestEntry::cid).containsExactly("F1", "S1", "S2", "D1");
        // a second inside the second slice: the full and both slices, not the daily incremental
        var inSecond = BackupChains.planRestore(all, Instant.ofEpochSecond(T0 + 900));
        assertThat(inSecond.incrementals()).extracting(ManifestEntry::cid).containsExactly("S1", "S2");
        // without the daily incremental the window ends at the last slice's last whole second
        assertThat(BackupChains.restorableWindows(List.of(f1, s1, s2))).singleElement()
                .satisfies(w -> assertThat(w.to()).isEqualTo(Instant.ofEpochSecond(T0 + 1199)));
        assertThatThrownBy(() -> BackupChains.planRestore(List.of(f1, s1, s2), Instant.ofEpochSecond(T0 + 1201)))
                .hasMessageContaining("no backup reaches");
    }

    @Test
    void timesNoBackupCoversAreRefused() {
        List<ManifestEntry> all = List.of(f1, i1, i2, f2, i3);
        assertThatThrownBy(() -> BackupChains.planRestore(all, Instant.ofEpochSecond(T0 - 1))).hasMessageContaining("no full backup is consistent");
        assertThatThrownBy(() -> BackupChains.planRestore(all, Instant.ofEpochSecond(T0 + 9 * 86400))).hasMessageContaining("no backup reaches");
        assertThatThrownBy(() -> BackupChains.planRestore(List.of(), null)).hasMessageContaining("no complete full backup");
    }

    @Test
    void theRestorableWindowsAreExactlyTheInstantsPlanRestoreAccepts() {
        // chain F1 (to T0+2d), a gap, chain F2 (to T0+8d); a full F3 inside F2's chain: F2 ends where F3 begins
        ManifestEntry f3 = full("F3", T0 + 7 * 86400 + 3600);
        List<ManifestEntry> all = List.of(f1, i1, i2, f2, i3, f3);
        assertThat(BackupChains.chainWindows(all)).extracting(BackupChains.Window::fullCid).containsExactly("F1", "F2", "F3");
        List<BackupChains.Window> windows = BackupChains.restorableWindows(all);
        assertThat(windows).hasSize(2);
        // F3 alone holds no whole second of oplog after itself: its chain has no window, but it still ends F2's
        assertThat(BackupChains.chainWindows(all).get(2).empty()).isTrue();
        assertThat(windows.get(0).from()).isEqualTo(Instant.ofEpochSecond(T0));
        assertThat(windows.get(0).to()).isEqualTo(Instant.ofEpochSecond(T0 + 2 * 86400 - 1)); // I2 ends at T0+2d:5, not the whole second
        assertThat(windows.get(1).from()).isEqualTo(Instant.ofEpochSecond(T0 + 7 * 86400));
        // planRestore picks F3 from its consistent time on, and F3's chain ends there: F2's later oplog is not reached
        assertThat(windows.get(1).to()).isEqualTo(Instant.ofEpochSecond(T0 + 7 * 86400 + 3600 - 1));
        // every second from before the first to after the last: inside a window <=> planRestore accepts it
        for (long t = T0 - 5; t <= T0 + 8 * 86400 + 5; t += (t > T0 + 2 * 86400 + 5 && t < T0 + 7 * 86400 - 5) ? 3600 : 1) {
            Instant at = Instant.ofEpochSecond(t);
            boolean inWindow = windows.stream().anyMatch(w -> !at.isBefore(w.from()) && !at.isAfter(w.to()));
            boolean plans;
            String why = "";
            try {
                BackupChains.planRestore(all, at);
                plans = true;
            } catch (IllegalArgumentException e) {
                plans = false;
                why = e.getMessage();
            }
            assertThat(plans).as("at " + at + " " + why + " " + windows).isEqualTo(inWindow);
            if (t > T0 + 600 && t < T0 + 86400 - 600) {
                t += 599; // the middle of a chain: a sample is enough
            }
        }
    }

    @Test
    void deletedBackupsAreNotRestorable() {
        ManifestEntry deleted = f1.toBuilder().oplog(null, T0 + ":5", 3L).status(ManifestEntry.DELETED).build();
        assertThat(BackupChains.restorableWindows(List.of(deleted, f2, i3))).singleElement()
                .satisfies(w -> assertThat(w.from()).isEqualTo(Instant.ofEpochSecond(T0 + 7 * 86400)));
    }
}
