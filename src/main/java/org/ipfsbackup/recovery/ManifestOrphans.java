package org.ipfsbackup.recovery;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.ipfsbackup.ipfs.ClusterPin;
import org.ipfsbackup.manifest.ManifestChain;
import org.ipfsbackup.manifest.ManifestFile;
import org.ipfsbackup.manifest.ManifestVersions;
import org.ipfsbackup.manifest.ManifestVersions.Version;

/**
 * Start-up recovery's rule for manifest files the manifest database does not list (e.g. after the history collection
 * was lost): {@link ManifestVersions} with the head and every listed version as roots, a version's links taken from the
 * database when it is listed there and read from IPFS otherwise, and a backup live when it is recorded as complete or
 * still pinned (and not unpinned in this run).
 */
public final class ManifestOrphans implements ManifestKeeper {
    /** Reads one manifest version from IPFS; {@link ManifestVersions.Undecided} when it cannot be told now. */
    @FunctionalInterface
    public interface Reader {
        ManifestFile read(String cid) throws Exception;
    }

    private final String head;
    private final Map<String, Version> listed;
    private final Set<String> recorded;
    private final Set<String> pinned;
    private final Reader reader;
    private Map<String, ManifestVersions.Decision> decisions = Map.of();
    private final Map<String, ManifestFile> files = new java.util.HashMap<>();

    /**
     * @param head     the head manifest CID, null when there is none
     * @param listed   the versions the database lists (history and head documents), without their content
     * @param recorded the CIDs of the backups recorded as complete
     * @param pinned   every CID pinned in the cluster
     * @param reader   null when no IPFS node is configured: then what is not listed cannot be read, and is kept
     */
    public ManifestOrphans(String head, Map<String, Version> listed, Set<String> recorded, Set<String> pinned, Reader reader) {
        this.head = head;
        this.listed = Map.copyOf(listed);
        this.recorded = Set.copyOf(recorded);
        this.pinned = Set.copyOf(pinned);
        this.reader = reader;
    }

    @Override
    public Map<String, ManifestVersions.Decision> decide(List<ClusterPin> manifests, Set<String> unpinned) {
        Set<String> live = new HashSet<>(recorded);
        pinned.stream().filter(c -> !unpinned.contains(c)).forEach(live::add);
        Set<String> candidates = new LinkedHashSet<>();
        manifests.forEach(p -> candidates.add(p.cid()));
        Set<String> universe = new HashSet<>(listed.keySet());
        universe.addAll(candidates);
        Set<String> roots = new LinkedHashSet<>();
        if (head != null) {
            roots.add(head);
            universe.add(head);
        }
        roots.addAll(listed.keySet());
        decisions = ManifestVersions.decide(candidates, roots, universe,
                v -> v.backups() != null && v.backups().stream().anyMatch(live::contains), this::version);
        return decisions;
    }

    /** The decisions of the last {@link #decide}: those kept with their content read can be listed again. */
    public Map<String, ManifestVersions.Decision> decisions() {
        return new LinkedHashMap<>(decisions);
    }

    /**
     * A listed version as the database gives it; any other read from IPFS, a delta through its chain (the backups its
     * whole state names). A delta whose chain cannot be read now is undecided (kept, looked at again next start).
     */
    private Version version(String cid) throws Exception {
        Version v = listed.get(cid);
        if (v != null) {
            return v;
        }
        if (reader == null) {
            throw new ManifestVersions.Undecided("no IPFS node is configured (ipfs.nodes) to read it", null);
        }
        ManifestFile file = Objects.requireNonNull(readOnce(cid), "manifest " + cid);
        if (file.isCheckpoint()) {
            return Version.read(cid, file);
        }
        try {
            return Version.read(ManifestChain.read(cid, this::readOnce));
        } catch (ManifestChain.ChainException e) {
            throw new ManifestVersions.Undecided(e.getMessage(), e);
        }
    }

    /** Each file is downloaded once per run: the chains of several versions share their checkpoint. */
    private ManifestFile readOnce(String cid) throws Exception {
        ManifestFile f = files.get(cid);
        if (f == null) {
            f = reader.read(cid);
            if (f != null) {
                files.put(cid, f);
            }
        }
        return f;
    }
}
