package org.ipfsbackup.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import org.ipfsbackup.ipfs.PinStatus;
import org.ipfsbackup.job.LeaseHolder;
import org.ipfsbackup.manifest.ManifestEntry;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked")
class StatusReportTest {
    static final Instant NOW = Instant.parse("2026-11-10T12:00:00Z");
    static final long T0 = Instant.parse("2026-11-10T02:00:00Z").getEpochSecond();

    static ManifestEntry entry(String type, String cid, long endSec, String start, String base, String previous, String verification) {
        return ManifestEntry.builder(type, cid, Instant.ofEpochSecond(endSec + 1)).file(cid, 3L * 1024 * 1024, "00").databases(List.of("shop"))
                .source(null, "rs0").durationMs(4200).peers(List.of("a", "b")).engine("driver").compression("gzip").key("k1", null)
                .oplog(start, endSec + ":5", 3L).chain(base, previous)
                .verified(verification == null ? null : Instant.ofEpochSecond(endSec + 60), verification).build();
    }

    static PinStatus pinned(String cid, int peers) {
        Map<String, PinStatus.PeerPin> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            m.put("p" + i, new PinStatus.PeerPin("p" + i, "peer" + i, i < peers ? "pinned" : "pin_error", i < peers ? null : "boom"));
        }
        return new PinStatus(cid, List.of("p0", "p1"), m);
    }

    StatusReport.Inputs inputs(List<ManifestEntry> entries, Map<String, PinStatus> pins, Optional<LeaseHolder> lock, int spooled) {
        return new StatusReport.Inputs(NOW, entries, Map.of("full", "0 0 2 ? * SUN", "incremental", "0 0 2 * * ?"), TimeZone.getTimeZone("UTC"),
                lock, false, pins, 2, Map.of("p0", "", "p1", ""), Map.of("http://n1", new long[] {500, 1000}), 80, spooled,
                Duration.ofHours(26), List.of());
    }

    @Test
    void aHealthyInstallationShowsItsNewestBackupsWindowNextRunsAndLock() {
        ManifestEntry full = entry("full", "F1", T0, null, null, null, "ok: 3 entries");
        ManifestEntry inc = entry("incremental", "I1", T0 + 3600, (T0 + 1) + ":1", "F1", "F1", null);
        Map<String, Object> r = StatusReport.compute(inputs(List.of(full, inc), Map.of("I1", pinned("I1", 2)),
                Optional.of(new LeaseHolder("incremental", "h:1:x", NOW.minusSeconds(30), NOW.plusSeconds(90), NOW)), 0));
        assertThat(r.get("reasons")).asList().isEmpty();
        assertThat(r.get("healthy")).isEqualTo(true);
        assertThat(r.toString()).contains("cid=I1").contains("sizeHuman=3.0 MiB").contains("durationMs=4200");
        assertThat((Map<String, Object>) r.get("nextRuns")).containsEntry("full", "2026-11-15T02:00:00Z").containsEntry("incremental", "2026-11-11T02:00:00Z");
        Map<?, ?> w = (Map<?, ?>) r.get("window");
        assertThat(w.get("from")).isEqualTo(Instant.ofEpochSecond(T0).toString());
        assertThat(w.get("to")).isEqualTo(Instant.ofEpochSecond(T0 + 3599).toString());
        assertThat((List<?>) w.get("gaps")).isEmpty();
        assertThat(r.get("lock").toString()).contains("running=incremental").contains("owner=h:1:x");
        assertThat(r.get("lastVerification").toString()).contains("ok=true");
    }

    @Test
    void eachDegradationIsNamed() {
        ManifestEntry old = entry("full", "F0", T0 - 3 * 86400, null, null, null, "FAILED: sha256 mismatch");
        Map<String, Object> r = StatusReport.compute(new StatusReport.Inputs(NOW, List.of(old), Map.of(), TimeZone.getTimeZone("UTC"),
                Optional.empty(), false, Map.of("F0", pinned("F0", 1)), 2, Map.of("p1", "context deadline exceeded"),
                Map.of("http://n1", new long[] {900, 1000}), 80, 2, Duration.ofHours(26), List.of("MongoDB is slow")));
        assertThat(r.get("healthy")).isEqualTo(false);
        assertThat((List<String>) r.get("reasons")).anyMatch(s -> s.contains("older than PT26H"))
                .anyMatch(s -> s.contains("F0 is pinned on 1 of 2 peers"))
                .anyMatch(s -> s.contains("cluster peer p1: context deadline exceeded"))
                .anyMatch(s -> s.contains("storage 90% used"))
                .anyMatch(s -> s.contains("last verification (F0) failed"))
                .anyMatch(s -> s.contains("2 alert(s) could not be sent"))
                .contains("MongoDB is slow");
        assertThat(StatusReport.compute(inputs(List.of(), Map.of(), Optional.empty(), 0)).get("reasons").toString())
                .contains("no successful backup");
    }

    @Test
    void humanSizes() {
        assertThat(HumanSize.of(0)).isEqualTo("0 B");
        assertThat(HumanSize.of(1023)).isEqualTo("1023 B");
        assertThat(HumanSize.of(1536)).isEqualTo("1.5 KiB");
        assertThat(HumanSize.of(64L * 1024 * 1024)).isEqualTo("64 MiB");
        assertThat(HumanSize.of(5L * 1024 * 1024 * 1024 + 1)).isEqualTo("5.0 GiB");
        assertThat(HumanSize.of(-1)).isEqualTo("-");
    }

    @Test
    void theLastFailurePerTypeIsShownBesideTheLastSuccessWithoutChangingTheVerdict() {
        ManifestEntry full = entry("full", "F1", T0, null, null, null, null);
        StatusReport.Inputs base = inputs(List.of(full), Map.of(), Optional.empty(), 0);
        Map<String, StatusReport.LastFailure> failures = Map.of("full", new StatusReport.LastFailure(NOW.minusSeconds(60),
                "stopped at step backup-dump: DumpException: mongodump exited 1\nsecond line", false),
                "incremental", new StatusReport.LastFailure(NOW.minusSeconds(30), "cancelled (ipfs-backup cancel (by h:1:x)): InterruptedException", true));
        Map<String, Object> r = StatusReport.compute(new StatusReport.Inputs(base.now(), base.entries(), base.quartzCrons(), base.zone(),
                base.lock(), base.lockExpired(), base.pins(), base.replication(), base.peers(), base.storage(), base.storageThresholdPercent(),
                base.alertsSpooled(), base.maxBackupAge(), base.problems(), failures));
        Map<String, Map<String, Object>> failed = (Map<String, Map<String, Object>>) r.get("lastFailure");
        assertThat(failed.get("full")).containsEntry("time", NOW.minusSeconds(60).toString())
                .containsEntry("error", "stopped at step backup-dump: DumpException: mongodump exited 1").containsEntry("cancelled", false);
        assertThat(failed.get("incremental")).containsEntry("cancelled", true);
        assertThat(((Map<String, Object>) r.get("lastSuccess")).get("full").toString()).contains("cid=F1");
        assertThat(r.get("healthy")).isEqualTo(true);
        // none recorded: shown as none
        Map<String, Object> none = StatusReport.compute(base);
        assertThat((Map<String, Object>) none.get("lastFailure")).containsEntry("full", null).containsEntry("incremental", null);
    }

    @Test
    void slicesHaveALineOfTheirOwnAndTheWindowReachesTheLastSlicesEnd() {
        ManifestEntry full = entry("full", "F1", T0, null, null, null, null);
        ManifestEntry inc = entry("incremental", "I1", T0 + 3600, (T0 + 1) + ":1", "F1", "F1", null);
        ManifestEntry slice = entry("incremental", "S1", T0 + 4200, (T0 + 3601) + ":1", "F1", "I1", null).toBuilder().slice(true).build();
        Map<String, Object> r = StatusReport.compute(inputs(List.of(full, inc, slice), Map.of(), Optional.empty(), 0));
        Map<String, Object> last = (Map<String, Object>) r.get("lastSuccess");
        assertThat(last).containsOnlyKeys("full", "incremental", "slice");
        assertThat(((Map<String, Object>) last.get("incremental")).get("cid")).as("the daily incremental, not the slice").isEqualTo("I1");
        assertThat(((Map<String, Object>) last.get("slice")).get("cid")).isEqualTo("S1");
        assertThat(((Map<?, ?>) r.get("window")).get("to")).isEqualTo(Instant.ofEpochSecond(T0 + 4199).toString());
        // without slices the report is as before: no slice line
        assertThat((Map<String, Object>) StatusReport.compute(inputs(List.of(full, inc), Map.of(), Optional.empty(), 0)).get("lastSuccess"))
                .containsOnlyKeys("full", "incremental");
    }
}
