package org.ipfsbackup.retention;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.ipfsbackup.manifest.ManifestEntry;

/**
 * The complete backups of a manifest and what each needs for a restore: an incremental needs the backup named by
 * {@code previous} and the full named by {@code baseBackup} (and, through them, everything before it in its chain).
 * Entries of any other status are left out, so a link to a deleted backup leads nowhere. Links are followed by
 * CID, so forks (two incrementals after the same backup) and broken chains are handled as they are, not assumed away.
 */
final class BackupGraph {
    /** Oldest first; ties by CID, so every ordering is deterministic. */
    static final Comparator<ManifestEntry> ORDER = Comparator.comparing(ManifestEntry::timestamp).thenComparing(ManifestEntry::cid);

    private final List<ManifestEntry> entries;
    private final Map<String, ManifestEntry> byCid = new HashMap<>();
    private final Map<String, List<ManifestEntry>> dependents = new HashMap<>();

    BackupGraph(List<ManifestEntry> manifest) {
        List<ManifestEntry> complete = new ArrayList<>();
        for (ManifestEntry e : manifest) {
            if (!ManifestEntry.COMPLETE.equals(e.status())) {
                continue;
            }
            if (e.cid() == null || e.cid().isBlank() || e.timestamp() == null) {
                throw new IllegalArgumentException("complete manifest entry without a CID or timestamp: type=" + e.type() + " cid="
                        + e.cid() + " timestamp=" + e.timestamp() + "; refusing to decide retention on a damaged manifest");
            }
            complete.add(e);
        }
        complete.sort(ORDER);
        this.entries = List.copyOf(complete);
        for (ManifestEntry e : entries) {
            byCid.merge(e.cid(), e, (a, b) -> ORDER.compare(a, b) >= 0 ? a : b);
        }
        for (ManifestEntry e : entries) {
            for (ManifestEntry needed : needs(e)) {
                dependents.computeIfAbsent(needed.cid(), k -> new ArrayList<>()).add(e);
            }
        }
    }

    /** Every complete backup, oldest first. */
    List<ManifestEntry> entries() {
        return entries;
    }

    /** What {@code e} needs directly: its {@code previous} and its {@code baseBackup}, where those are complete backups. */
    List<ManifestEntry> needs(ManifestEntry e) {
        if (e.isFull()) {
            return List.of();
        }
        Set<ManifestEntry> out = new LinkedHashSet<>();
        for (String cid : new String[] {e.previous(), e.baseBackup()}) {
            ManifestEntry n = cid == null || cid.equals(e.cid()) ? null : byCid.get(cid);
            if (n != null) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    /** The CIDs of {@code full} and of every backup that needs it, directly or through others. */
    Set<String> chainFrom(ManifestEntry full) {
        Set<String> chain = new LinkedHashSet<>();
        Deque<ManifestEntry> todo = new ArrayDeque<>(List.of(full));
        while (!todo.isEmpty()) {
            ManifestEntry e = todo.pop();
            if (chain.add(e.cid())) {
                todo.addAll(dependents.getOrDefault(e.cid(), List.of()));
            }
        }
        return chain;
    }

    /**
     * True when a restore to this backup is possible from the manifest: a full, or an incremental whose
     * {@code previous} links reach a complete full, which is the full it names as {@code baseBackup} (when it names one).
     */
    boolean restorable(ManifestEntry e) {
        Set<String> seen = new HashSet<>();
        ManifestEntry cur = e;
        while (!cur.isFull()) {
            if (!seen.add(cur.cid()) || cur.previous() == null) {
                return false;
            }
            cur = byCid.get(cur.previous());
            if (cur == null) {
                return false;
            }
        }
        return e.isFull() || e.baseBackup() == null || e.baseBackup().equals(cur.cid());
    }

    Optional<ManifestEntry> newestFull() {
        return entries.stream().filter(ManifestEntry::isFull).max(ORDER);
    }

    Optional<ManifestEntry> newestRestorable() {
        return entries.stream().filter(this::restorable).max(ORDER);
    }
}
