package org.ipfsbackup.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import org.ipfsbackup.ipfs.PinStatus;
import org.ipfsbackup.job.LeaseHolder;
import org.ipfsbackup.manifest.BackupChains;
import org.ipfsbackup.manifest.ManifestEntry;
import org.quartz.CronExpression;

/**
 * What {@code ipfs-backup status} shows, computed from what was gathered (no Camel, no I/O): the newest backup of
 * each type, the next scheduled runs, the restorable window with its gaps, pins of the newest backups, the cluster's
 * peers, IPFS storage, the job lock, the last verification and alerts not yet sent. Healthy unless a reason says not.
 */
public final class StatusReport {
    /** What was gathered; a null (or an error text in {@code problems}) means it could not be read. */
    public record Inputs(Instant now, List<ManifestEntry> entries, Map<String, String> quartzCrons, TimeZone zone,
                         Optional<LeaseHolder> lock, boolean lockExpired, Map<String, PinStatus> pins, int replication,
                         Map<String, String> peers, Map<String, long[]> storage, int storageThresholdPercent,
                         int alertsSpooled, Duration maxBackupAge, List<String> problems,
                         Map<String, LastFailure> lastFailures) {
        /** Without the last failures (none recorded). */
        public Inputs(Instant now, List<ManifestEntry> entries, Map<String, String> quartzCrons, TimeZone zone,
                      Optional<LeaseHolder> lock, boolean lockExpired, Map<String, PinStatus> pins, int replication,
                      Map<String, String> peers, Map<String, long[]> storage, int storageThresholdPercent,
                      int alertsSpooled, Duration maxBackupAge, List<String> problems) {
            this(now, entries, quartzCrons, zone, lock, lockExpired, pins, replication, peers, storage, storageThresholdPercent,
                    alertsSpooled, maxBackupAge, problems, Map.of());
        }
    }

    /** The last failed (or cancelled) backup of a type, as recorded by the backup's dead-letter route. */
    public record LastFailure(Instant at, String error, boolean cancelled) {
    }

    private StatusReport() {
    }

    /** The report as ordered maps (printed as JSON or text); {@code healthy} and {@code reasons} at the top. */
    public static Map<String, Object> compute(Inputs in) {
        List<String> reasons = new ArrayList<>(in.problems());
        Map<String, Object> out = new LinkedHashMap<>();

        Map<String, Object> last = new LinkedHashMap<>();
        // slices (incrementals marked slice) are shown on a line of their own once there are any
        boolean slices = in.entries().stream().anyMatch(ManifestEntry::isSliceEntry)
                || (in.lastFailures() != null && in.lastFailures().containsKey(ManifestEntry.SLICE));
        List<String> types = slices ? List.of("full", "incremental", ManifestEntry.SLICE) : List.of("full", "incremental");
        for (String type : types) {
            Optional<ManifestEntry> newest = in.entries().stream().filter(e -> type.equals(e.isSliceEntry() ? ManifestEntry.SLICE : e.type()))
                    .filter(e -> ManifestEntry.COMPLETE.equals(e.status())).max(Comparator.comparing(ManifestEntry::timestamp));
            last.put(type, newest.map(e -> entry(e)).orElse(null));
        }
        Optional<ManifestEntry> newestAny = in.entries().stream().filter(e -> ManifestEntry.COMPLETE.equals(e.status()))
                .max(Comparator.comparing(ManifestEntry::timestamp));
        if (newestAny.isEmpty()) {
            reasons.add("no successful backup in the manifest");
        } else if (Duration.between(newestAny.get().timestamp(), in.now()).compareTo(in.maxBackupAge()) > 0) {
            reasons.add("the newest successful backup (" + newestAny.get().timestamp() + ") is older than " + in.maxBackupAge()
                    + " (WATCHDOG_MAX_BACKUP_AGE)");
        }
        out.put("lastSuccess", last);
        // shown beside the successes; health is decided by the freshness of the successes (a failure followed by a
        // success is history, a run of failures makes the newest success too old)
        Map<String, Object> failed = new LinkedHashMap<>();
        for (String type : types) {
            LastFailure f = in.lastFailures() == null ? null : in.lastFailures().get(type);
            if (f == null) {
                failed.put(type, null);
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", f.at().toString());
            m.put("error", summary(f.error()));
            m.put("cancelled", f.cancelled());
            failed.put(type, m);
        }
        out.put("lastFailure", failed);

        Map<String, Object> next = new LinkedHashMap<>();
        in.quartzCrons().forEach((name, cron) -> next.put(name, nextRun(cron, in.zone(), in.now())));
        out.put("nextRuns", next);

        List<BackupChains.Window> windows = BackupChains.restorableWindows(in.entries());
        Map<String, Object> window = new LinkedHashMap<>();
        window.put("from", windows.isEmpty() ? null : windows.get(0).from().toString());
        window.put("to", windows.isEmpty() ? null : windows.get(windows.size() - 1).to().toString());
        List<Map<String, String>> gaps = new ArrayList<>();
        for (int i = 1; i < windows.size(); i++) {
            gaps.add(Map.of("from", windows.get(i - 1).to().plusSeconds(1).toString(), "to", windows.get(i).from().minusSeconds(1).toString()));
        }
        window.put("gaps", gaps);
        out.put("window", window);

        Map<String, Object> pins = new LinkedHashMap<>();
        in.pins().forEach((cid, st) -> {
            pins.put(cid, Map.of("pinnedOn", st.pinnedPeers().size(), "required", in.replication(), "state", st.describe()));
            if (st.pinnedPeers().size() < in.replication()) {
                reasons.add("backup " + cid + " is pinned on " + st.pinnedPeers().size() + " of " + in.replication() + " peers");
            }
        });
        out.put("pins", pins);
        out.put("peers", in.peers());
        in.peers().forEach((id, err) -> {
            if (err != null && !err.isBlank()) {
                reasons.add("cluster peer " + id + ": " + err);
            }
        });

        Map<String, Object> storage = new LinkedHashMap<>();
        in.storage().forEach((node, s) -> {
            double pct = s[1] <= 0 ? 0 : 100.0 * s[0] / s[1];
            storage.put(node, Map.of("used", s[0], "max", s[1], "usedHuman", HumanSize.of(s[0]) + " of " + HumanSize.of(s[1]),
                    "percent", Math.round(pct * 10) / 10.0));
            if (pct >= in.storageThresholdPercent()) {
                reasons.add("IPFS node " + node + " storage " + Math.round(pct) + "% used (STORAGE_ALERT_THRESHOLD " + in.storageThresholdPercent() + "%)");
            }
        });
        out.put("storage", storage);

        Map<String, Object> lock = new LinkedHashMap<>();
        in.lock().ifPresentOrElse(h -> {
            lock.put("running", h.job());
            lock.put("owner", h.owner());
            lock.put("since", h.acquiredAt() == null ? null : h.acquiredAt().toString());
            lock.put("expired", in.lockExpired());
            if (in.lockExpired()) {
                reasons.add("the job lock of " + h + " has expired (a crashed holder?); the next job takes it over");
            }
        }, () -> lock.put("running", null));
        out.put("lock", lock);

        Optional<ManifestEntry> verified = in.entries().stream().filter(e -> e.lastVerifiedAt() != null)
                .max(Comparator.comparing(ManifestEntry::lastVerifiedAt));
        out.put("lastVerification", verified.map(e -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("cid", e.cid());
            v.put("at", e.lastVerifiedAt().toString());
            v.put("ok", e.verification() != null && e.verification().startsWith("ok"));
            v.put("result", e.verification());
            return v;
        }).orElse(null));
        verified.filter(e -> e.verification() == null || !e.verification().startsWith("ok"))
                .ifPresent(e -> reasons.add("the last verification (" + e.cid() + ") failed: " + e.verification()));

        out.put("alertsSpooled", in.alertsSpooled());
        if (in.alertsSpooled() > 0) {
            reasons.add(in.alertsSpooled() + " alert(s) could not be sent yet (alert spool)");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("healthy", reasons.isEmpty());
        result.put("reasons", reasons);
        result.putAll(out);
        return result;
    }

    static Map<String, Object> entry(ManifestEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", e.timestamp().toString());
        m.put("cid", e.cid());
        m.put("durationMs", e.durationMs());
        m.put("size", e.size());
        m.put("sizeHuman", HumanSize.of(e.size()));
        return m;
    }

    /** The first line of a failure, at most 200 characters. */
    static String summary(String error) {
        if (error == null) {
            return "unknown failure";
        }
        String first = error.strip().lines().findFirst().orElse("");
        return first.length() > 200 ? first.substring(0, 197) + "..." : first;
    }

    /** The next fire time of a Quartz cron after {@code now}, or null when it never fires again. */
    public static String nextRun(String quartzCron, TimeZone zone, Instant now) {
        try {
            CronExpression c = new CronExpression(quartzCron);
            c.setTimeZone(zone);
            Date d = c.getNextValidTimeAfter(Date.from(now));
            return d == null ? null : d.toInstant().toString();
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("not a Quartz cron: " + quartzCron + " (" + e.getMessage() + ")", e);
        }
    }
}
