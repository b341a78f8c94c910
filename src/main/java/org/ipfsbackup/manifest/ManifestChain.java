package org.ipfsbackup.manifest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a published manifest version as the whole state it stands for: walks {@code previousManifest} back to the
 * newest checkpoint (a version-1 file is one), then applies the deltas forward. The walk is bounded: a checkpoint
 * must come within {@link #MAX_WALK} versions. A link that cannot be read, a cycle, a walk too long, or a state
 * that does not match its own statistics are errors naming the CID.
 */
public final class ManifestChain {
    /**
     * The most versions a reader walks to find a checkpoint (the version asked for included). Writers start a new
     * checkpoint after {@link ManifestStore#MAX_DELTAS} deltas; the reader allows four times as many, so a later writer
     * may chain longer without old readers refusing.
     */
    public static final int MAX_WALK = 4 * ManifestStore.MAX_DELTAS + 1;

    private ManifestChain() {
    }

    /** Reads one version by CID (download and decrypt). */
    @FunctionalInterface
    public interface Fetch {
        ManifestFile read(String cid) throws Exception;
    }

    /** A chain that cannot be read: names the CID at fault. */
    public static final class ChainException extends IOException {
        public ChainException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The whole state of one version.
     *
     * @param head          the version asked for, as read
     * @param entries       every entry of the state, oldest first (deleted ones included)
     * @param versionsRead  how many versions the walk read (1 for a checkpoint)
     * @param checkpointCid the checkpoint it was built from
     */
    public record State(String cid, ManifestFile head, List<ManifestEntry> entries, int versionsRead, String checkpointCid) {
        /** The CIDs of the backups the state names as not deleted. */
        public Set<String> liveBackups() {
            Set<String> out = new LinkedHashSet<>();
            entries.stream().filter(e -> !ManifestEntry.DELETED.equals(e.status())).forEach(e -> out.add(e.cid()));
            return out;
        }
    }

    /** Reads the whole state of version {@code cid}. */
    public static State read(String cid, Fetch fetch) throws ChainException {
        List<String> cids = new ArrayList<>();
        List<ManifestFile> files = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        String at = cid;
        while (true) {
            if (!seen.add(at)) {
                throw new ChainException("manifest " + cid + ": its chain of versions loops (version " + at
                        + " comes round again after " + cids.size() + " versions)", null);
            }
            if (cids.size() >= MAX_WALK) {
                throw new ChainException("manifest " + cid + ": no checkpoint within " + MAX_WALK + " versions (the walk stopped at "
                        + at + "); a chain this long is not one this program writes", null);
            }
            ManifestFile f;
            try {
                f = fetch.read(at);
            } catch (Exception e) {
                String why = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
                throw new ChainException(at.equals(cid) ? "manifest " + cid + " cannot be read: " + why
                        : "manifest " + cid + ": previous version " + at + " (which " + cids.get(cids.size() - 1)
                        + " is a delta on) cannot be read: " + why, e);
            }
            if (f == null) {
                throw new ChainException("manifest " + at + " cannot be read: no content", null);
            }
            cids.add(at);
            files.add(f);
            if (f.isCheckpoint()) {
                break;
            }
            if (f.previousManifest() == null) {
                throw new ChainException("manifest " + at + " is a delta but names no previousManifest to apply it to", null);
            }
            at = f.previousManifest();
        }
        Collections.reverse(cids);
        Collections.reverse(files);
        Map<String, ManifestEntry> state = new LinkedHashMap<>();
        for (ManifestEntry e : files.get(0).backups()) {
            state.put(e.cid(), e);
        }
        for (int i = 1; i < files.size(); i++) {
            ManifestFile d = files.get(i);
            d.removed().forEach(state::remove);
            d.backups().forEach(e -> state.put(e.cid(), e));
        }
        ManifestFile head = files.get(files.size() - 1);
        List<ManifestEntry> entries = new ArrayList<>(state.values());
        entries.sort(java.util.Comparator.comparing(ManifestEntry::timestamp).thenComparing(ManifestEntry::cid));
        if (head.statistics() != null && head.statistics().entries() != entries.size()) {
            throw new ChainException("manifest " + cid + ": applying " + (files.size() - 1) + " deltas to checkpoint " + cids.get(0)
                    + " gives " + entries.size() + " entries, but the version's statistics count " + head.statistics().entries(), null);
        }
        return new State(cid, head, List.copyOf(entries), files.size(), cids.get(0));
    }
}
