package org.ipfsbackup.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.ipfsbackup.manifest.ManifestEntry;

/**
 * Decides which backups of the manifest expire. Pure: given the same manifest and clock it gives the same
 * decisions, whatever the order of the entries; it unpins nothing itself.
 *
 * <p>The rules, for the complete backups of the manifest (entries already deleted are ignored, and a link to one
 * leads nowhere):
 * <ol>
 * <li><b>The newest full backup and its chain are kept</b>, whatever their age: the full with the newest timestamp and
 * every incremental that builds on it. So is the newest restorable backup and what it needs, in case that is not in
 * the newest full's chain (when a full without an oplog position started no chain of its own, incrementals continue
 * the chain before it). If backups stop for longer than the period, the latest state is still there.</li>
 * <li><b>Backups not older than the period are kept</b>: taken at or after now minus {@code retentionDays} × 24 h.
 * Anything strictly older expires unless a rule here keeps it.</li>
 * <li><b>GFS</b> (when on): the newest restore point of each of the last N days, ISO weeks and months (UTC) that have
 * one; see {@link GfsSelection}. A restore point is any restorable backup, full or incremental, so a month keeps its
 * latest state even when no full was taken in it; the price is that keeping an incremental keeps its chain up to it.</li>
 * <li><b>Chains are never broken</b>: whatever is needed by a kept backup is kept ({@code previous} and
 * {@code baseBackup}, transitively), so every kept backup can still be restored.</li>
 * </ol>
 *
 * <p><b>Expiry inside a chain.</b> Each backup ages by its own timestamp, and rule 4 keeps everything a kept one needs.
 * Timestamps grow along a chain, so in effect <em>a chain stays whole while its newest backup is within the period,
 * and expires as a unit once that newest backup is older</em>. Why: an incremental's timestamp is the end of the oplog
 * it covers, so a chain whose newest incremental is within the period still covers part of the period, and restoring to
 * any moment of the period needs the full and every incremental before that moment. Expiring the old head of such a
 * chain would leave its young incrementals useless, and expiring its newest incrementals first would throw away the
 * newest data first; neither is what an operator who asked for "90 days" expects. The cost is that a chain outlives
 * the period by at most its own length (with the default weekly full, one week). Nothing within the period ever
 * expires, with no exception.
 *
 * <p>Incrementals whose chain is broken (their {@code previous} is missing or deleted) cannot be restored; they are kept
 * while within the period (retention does not delete young data on a guess) and expire by age after that. While kept,
 * the full they name as {@code baseBackup} is kept too: retention never deletes what a kept backup refers to.
 *
 * <p>Reasons: the first rule above that keeps a backup names it; a backup kept only for others names the newest
 * backup that needs it, as that one decides how long it stays.
 */
public final class RetentionPolicy {
    static final String NEWEST_FULL_CHAIN = "kept: newest full backup's chain";
    static final String NEWEST_BACKUP = "kept: newest backup";

    private final RetentionSettings settings;
    private final Clock clock;

    public RetentionPolicy(RetentionSettings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * One decision per complete backup of the manifest, oldest first (ties by CID).
     *
     * @throws IllegalArgumentException when a complete entry has no CID or timestamp (nothing is decided on a damaged manifest)
     */
    public List<RetentionDecision> decide(List<ManifestEntry> manifest) {
        BackupGraph graph = new BackupGraph(manifest);
        int days = settings.retentionDays();
        Instant cutoff = clock.instant().minus(Duration.ofDays(days));
        Map<String, String> kept = new HashMap<>(); // CID -> reason; the first rule that keeps a backup names it
        graph.newestFull().ifPresent(full -> graph.chainFrom(full).forEach(cid -> kept.putIfAbsent(cid, NEWEST_FULL_CHAIN)));
        graph.newestRestorable().ifPresent(e -> kept.putIfAbsent(e.cid(), NEWEST_BACKUP));
        for (ManifestEntry e : graph.entries()) {
            if (!e.timestamp().isBefore(cutoff)) {
                kept.putIfAbsent(e.cid(), "kept: within the last " + days + " days (" + e.timestamp() + ")");
            }
        }
        GfsSelection.select(graph, settings).forEach((cid, labels) -> kept.putIfAbsent(cid, "kept: GFS " + String.join(", ", labels)));
        keepWhatKeptBackupsNeed(graph, kept);

        List<RetentionDecision> decisions = new ArrayList<>();
        for (ManifestEntry e : graph.entries()) {
            String reason = kept.get(e.cid());
            decisions.add(reason != null ? new RetentionDecision(e, false, reason)
                    : new RetentionDecision(e, true, "older than " + days + " days (" + e.timestamp() + ")"));
        }
        return List.copyOf(decisions);
    }

    /** The backups {@link #decide} expires, oldest first. */
    public List<ManifestEntry> toExpire(List<ManifestEntry> manifest) {
        return decide(manifest).stream().filter(RetentionDecision::expire).map(RetentionDecision::entry).toList();
    }

    /**
     * Rule 4. Walks from the newest kept backup to the oldest, so a backup kept only because others need it is named
     * after the newest backup that needs it (the one whose restore it serves).
     */
    private static void keepWhatKeptBackupsNeed(BackupGraph graph, Map<String, String> kept) {
        List<ManifestEntry> anchors = new ArrayList<>(graph.entries().stream().filter(e -> kept.containsKey(e.cid())).toList());
        Set<String> walked = new HashSet<>();
        for (int i = anchors.size() - 1; i >= 0; i--) {
            ManifestEntry anchor = anchors.get(i);
            String reason = "kept: " + anchor.type() + " " + anchor.cid() + " depends on it";
            Deque<ManifestEntry> todo = new ArrayDeque<>(List.of(anchor));
            while (!todo.isEmpty()) {
                ManifestEntry e = todo.pop();
                if (walked.add(e.cid())) {
                    for (ManifestEntry needed : graph.needs(e)) {
                        kept.putIfAbsent(needed.cid(), reason);
                        todo.push(needed);
                    }
                }
            }
        }
    }
}
