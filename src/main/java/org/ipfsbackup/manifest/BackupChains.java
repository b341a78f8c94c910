package org.ipfsbackup.manifest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.ipfsbackup.mongo.OplogPosition;

/**
 * How backups hang together. Every incremental names its full ({@code baseBackup}) and the backup before it
 * ({@code previous}); it holds the oplog entries after the previous backup's {@code oplogEnd}. These functions
 * decide where the next incremental starts and which backups a restore needs.
 */
public final class BackupChains {
    private BackupChains() {
    }

    /** Where the next incremental starts: after the newest complete backup of the newest chain. */
    public record IncrementalPlan(String baseBackup, String previous, OplogPosition after) {
    }

    /** Empty when there is no full backup with an oplog position to start from (then a full must run). */
    public static Optional<IncrementalPlan> planIncremental(List<ManifestEntry> entries) {
        List<ManifestEntry> live = complete(entries);
        Optional<ManifestEntry> lastFull = live.stream().filter(ManifestEntry::isFull).filter(e -> e.oplogEnd() != null)
                .max(Comparator.comparing(ManifestEntry::timestamp));
        if (lastFull.isEmpty()) {
            return Optional.empty();
        }
        List<ManifestEntry> chain = chainOf(live, lastFull.get());
        ManifestEntry last = chain.get(chain.size() - 1);
        return Optional.of(new IncrementalPlan(lastFull.get().cid(), last.cid(), OplogPosition.parse(last.oplogEnd())));
    }

    /** A full and its incrementals, in order, following the {@code previous} links. */
    public static List<ManifestEntry> chainOf(List<ManifestEntry> entries, ManifestEntry full) {
        Map<String, ManifestEntry> byPrevious = complete(entries).stream().filter(e -> !e.isFull()).filter(e -> e.previous() != null)
                .collect(Collectors.toMap(ManifestEntry::previous, Function.identity(), (a, b) -> a.timestamp().isAfter(b.timestamp()) ? a : b));
        List<ManifestEntry> chain = new ArrayList<>();
        chain.add(full);
        ManifestEntry cur = full;
        while (byPrevious.containsKey(cur.cid())) {
            cur = byPrevious.get(cur.cid());
            chain.add(cur);
        }
        return chain;
    }

    /** What a restore to {@code at} (or the newest state, when null) needs: a full and the incrementals after it. */
    public record RestorePlan(ManifestEntry full, List<ManifestEntry> incrementals, OplogPosition until) {
        public List<ManifestEntry> all() {
            List<ManifestEntry> l = new ArrayList<>();
            l.add(full);
            l.addAll(incrementals);
            return l;
        }
    }

    /**
     * Picks the newest full backup consistent at or before {@code at}, then the incrementals of its chain up to the
     * first one that reaches {@code at}. {@code until} is the last oplog position to apply (second precision: every
     * entry in the second {@code at} is included).
     *
     * @throws IllegalArgumentException when no backup covers that time
     */
    public static RestorePlan planRestore(List<ManifestEntry> entries, Instant at) {
        List<ManifestEntry> live = complete(entries);
        List<ManifestEntry> fulls = live.stream().filter(ManifestEntry::isFull).sorted(Comparator.comparing(ManifestEntry::timestamp)).toList();
        if (fulls.isEmpty()) {
            throw new IllegalArgumentException("the manifest holds no complete full backup: nothing to restore");
        }
        if (at == null) {
            ManifestEntry full = fulls.get(fulls.size() - 1);
            List<ManifestEntry> chain = chainOf(live, full);
            return new RestorePlan(full, chain.subList(1, chain.size()), null);
        }
        OplogPosition until = new OplogPosition(at.getEpochSecond(), -1);
        ManifestEntry chosen = null;
        for (ManifestEntry f : fulls) {
            if (!consistentAt(f).isAfter(at)) {
                chosen = f;
            }
        }
        if (chosen == null) {
            throw new IllegalArgumentException("no full backup is consistent at or before " + at + ": the oldest full is consistent at "
                    + consistentAt(fulls.get(0)));
        }
        List<ManifestEntry> chain = chainOf(live, chosen);
        List<ManifestEntry> incs = new ArrayList<>();
        for (ManifestEntry inc : chain.subList(1, chain.size())) {
            if (inc.oplogStart() != null && OplogPosition.parse(inc.oplogStart()).compareTo(until) > 0) {
                break; // starts after `at`: nothing in it to apply
            }
            incs.add(inc);
            if (inc.oplogEnd() != null && OplogPosition.parse(inc.oplogEnd()).compareTo(until) >= 0) {
                break;
            }
        }
        OplogPosition reached = incs.isEmpty() ? pos(chosen) : pos(incs.get(incs.size() - 1));
        boolean nextStartsLater = chain.size() > incs.size() + 1;
        if (reached != null && reached.compareTo(until) < 0 && !nextStartsLater) {
            // the newest backup ends before `at`: restoring to `at` would silently give an older state
            throw new IllegalArgumentException("no backup reaches " + at + ": the newest backup of that chain ends at "
                    + Instant.ofEpochSecond(reached.seconds()) + " (oplog " + reached + ")");
        }
        return new RestorePlan(chosen, incs, until);
    }

    /** A span of time a point-in-time restore can reach, second precision, both ends included. */
    public record Window(Instant from, Instant to, String fullCid) {
        /** A chain whose oplog does not cover one whole second after its full: only a restore of its newest state reaches it. */
        public boolean empty() {
            return to.isBefore(from);
        }
    }

    /**
     * Each chain's restorable span by the rules of {@link #planRestore}: from the instant its full is consistent at to
     * the last whole second of oplog its incrementals (or the full) hold; {@link Window#empty} when there is none.
     */
    public static List<Window> chainWindows(List<ManifestEntry> entries) {
        List<ManifestEntry> live = complete(entries);
        List<Window> out = new ArrayList<>();
        live.stream().filter(ManifestEntry::isFull).sorted(Comparator.comparing(ManifestEntry::timestamp)).forEach(full -> {
            List<ManifestEntry> chain = chainOf(live, full);
            Instant from = consistentAt(full);
            OplogPosition end = pos(chain.get(chain.size() - 1));
            // planRestore applies every entry of the second `at` (until = at:max), so the chain must hold all of it
            Instant to = end == null ? from : Instant.ofEpochSecond(end.increment() == -1 ? end.seconds() : end.seconds() - 1);
            out.add(new Window(from, to.isBefore(from) ? from.minusSeconds(1) : to, full.cid()));
        });
        return out;
    }

    /**
     * The instants a restore can reach overall, merged and in order: the gaps between them are times no restore reaches
     * (planRestore picks the newest full consistent at or before the time, so a chain ends where the next one begins).
     */
    public static List<Window> restorableWindows(List<ManifestEntry> entries) {
        List<Window> chains = chainWindows(entries);
        List<Window> merged = new ArrayList<>();
        for (int i = 0; i < chains.size(); i++) {
            Window w = chains.get(i);
            Instant to = w.to();
            if (i + 1 < chains.size() && !to.isBefore(chains.get(i + 1).from())) {
                to = chains.get(i + 1).from().minusSeconds(1); // from there on the next chain is the one restored
            }
            if (to.isBefore(w.from())) {
                continue; // two fulls consistent in the same second: the newer one wins
            }
            Window last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && !w.from().isAfter(last.to().plusSeconds(1))) {
                merged.set(merged.size() - 1, new Window(last.from(), to.isAfter(last.to()) ? to : last.to(), w.fullCid()));
            } else {
                merged.add(new Window(w.from(), to, w.fullCid()));
            }
        }
        return merged;
    }

    /** The time a full backup is consistent at: its oplogEnd, else the time it was taken. */
    static Instant consistentAt(ManifestEntry full) {
        OplogPosition p = pos(full);
        return p == null ? full.timestamp() : Instant.ofEpochSecond(p.seconds());
    }

    private static OplogPosition pos(ManifestEntry e) {
        return e.oplogEnd() == null ? null : OplogPosition.parse(e.oplogEnd());
    }

    static List<ManifestEntry> complete(List<ManifestEntry> entries) {
        return entries.stream().filter(e -> ManifestEntry.COMPLETE.equals(e.status())).toList();
    }
}
