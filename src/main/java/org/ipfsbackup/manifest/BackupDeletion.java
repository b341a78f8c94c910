package org.ipfsbackup.manifest;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The chain rule of {@code ipfs-backup delete CID} (pure: no I/O). A backup that later backups build on (the
 * incrementals whose {@code previous} or {@code baseBackup} leads to it) is refused unless forced; either way the plan
 * says which of them would no longer restore and which restore points (instants a point-in-time restore reaches) are
 * lost, computed as the restorable windows before minus those after the deletion.
 */
public final class BackupDeletion {
    private BackupDeletion() {
    }

    /**
     * What deleting one backup means.
     *
     * @param entry      the backup's entry
     * @param dependents complete backups that build on it, in time order (they stay recorded but no longer restore)
     * @param lost       the restore points no restore reaches once it is gone (second precision, both ends included)
     */
    public record Plan(ManifestEntry entry, List<ManifestEntry> dependents, List<BackupChains.Window> lost) {
        /** Whether the deletion breaks a chain (refused without --force). */
        public boolean breaksChain() {
            return !dependents.isEmpty();
        }

        /** Why it is refused without --force, naming the dependents; null when it is not. */
        public String refusal() {
            if (!breaksChain()) {
                return null;
            }
            return "backup " + entry.cid() + " (" + entry.type() + ", " + entry.timestamp() + ") is needed by " + dependents.size()
                    + " later backup(s) of its chain: " + String.join(", ", dependents.stream().map(d -> d.cid() + " (" + d.type() + ", "
                    + d.timestamp() + ")").toList()) + "; deleting it makes them unrestorable. Give --force to delete it anyway";
        }

        /** The lost restore points in words: {@code 2026-11-01T02:00:00Z .. 2026-11-02T02:00:00Z, ...} or {@code none}. */
        public String lostText() {
            return lost.isEmpty() ? "none" : String.join(", ", lost.stream().map(w -> w.from() + " .. " + w.to()).toList());
        }
    }

    /**
     * Plans the deletion of {@code cid}.
     *
     * @throws IllegalArgumentException when the manifest has no backup with that CID
     */
    public static Plan plan(List<ManifestEntry> entries, String cid) {
        ManifestEntry entry = entries.stream().filter(e -> cid.equals(e.cid())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backup with CID " + cid + " in the manifest (see 'ipfs-backup list')"));
        List<ManifestEntry> live = BackupChains.complete(entries);
        List<ManifestEntry> dependents = ManifestEntry.COMPLETE.equals(entry.status()) ? dependents(live, cid) : List.of();
        List<ManifestEntry> after = live.stream().filter(e -> !cid.equals(e.cid())).toList();
        List<BackupChains.Window> lost = minus(BackupChains.restorableWindows(live), BackupChains.restorableWindows(after));
        Optional<ManifestEntry> newest = newest(live);
        if (newest.isPresent() && (newest.get().cid().equals(cid) || dependents.contains(newest.get()))
                && lost.stream().noneMatch(w -> !newest.get().timestamp().isBefore(w.from()) && !newest.get().timestamp().isAfter(w.to()))) {
            // 'restore latest' restores the newest backup: its state is a restore point even when no window covers it
            List<BackupChains.Window> more = new ArrayList<>(lost);
            more.add(new BackupChains.Window(newest.get().timestamp(), newest.get().timestamp(), cid));
            lost = more;
        }
        return new Plan(entry, dependents, lost);
    }

    /** The complete backups that lead to {@code cid} through {@code previous} or {@code baseBackup}, in time order. */
    static List<ManifestEntry> dependents(List<ManifestEntry> live, String cid) {
        Set<String> needing = new LinkedHashSet<>();
        Deque<String> pending = new ArrayDeque<>(List.of(cid));
        while (!pending.isEmpty()) {
            String c = pending.pop();
            for (ManifestEntry e : live) {
                if (!e.isFull() && (c.equals(e.previous()) || c.equals(e.baseBackup())) && !e.cid().equals(cid) && needing.add(e.cid())) {
                    pending.push(e.cid());
                }
            }
        }
        return live.stream().filter(e -> needing.contains(e.cid())).sorted(Comparator.comparing(ManifestEntry::timestamp)).toList();
    }

    private static Optional<ManifestEntry> newest(List<ManifestEntry> live) {
        return live.stream().max(Comparator.comparing(ManifestEntry::timestamp));
    }

    /** The seconds covered by {@code before} and by none of {@code after} (both merged and in order), as windows. */
    static List<BackupChains.Window> minus(List<BackupChains.Window> before, List<BackupChains.Window> after) {
        List<BackupChains.Window> out = new ArrayList<>();
        for (BackupChains.Window w : before) {
            Instant from = w.from();
            for (BackupChains.Window a : after) {
                if (a.to().isBefore(from) || a.from().isAfter(w.to())) {
                    continue;
                }
                if (a.from().isAfter(from)) {
                    out.add(new BackupChains.Window(from, a.from().minusSeconds(1), w.fullCid()));
                }
                from = a.to().plusSeconds(1);
                if (from.isAfter(w.to())) {
                    break;
                }
            }
            if (!from.isAfter(w.to())) {
                out.add(new BackupChains.Window(from, w.to(), w.fullCid()));
            }
        }
        return out;
    }
}
