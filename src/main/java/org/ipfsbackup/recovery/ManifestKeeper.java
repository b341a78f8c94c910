package org.ipfsbackup.recovery;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ipfsbackup.ipfs.ClusterPin;
import org.ipfsbackup.manifest.ManifestVersions;

/** Decides which orphaned manifest files are still needed (see {@link ManifestVersions}); see {@link ManifestOrphans}. */
@FunctionalInterface
public interface ManifestKeeper {
    /**
     * @param manifests the manifest files among the orphans
     * @param unpinned  the CIDs unpinned in this run so far (backups that are gone now)
     * @return per CID, whether to keep it and why; a CID that is missing is unpinned
     */
    Map<String, ManifestVersions.Decision> decide(List<ClusterPin> manifests, Set<String> unpinned);
}
