package org.ipfsbackup.restore;

import java.util.List;

/**
 * Outcome of {@link DatabaseComparator#compare}.
 *
 * @param collections collections (and views) compared, counted on the source
 * @param documents   source documents compared
 * @param differences human-readable differences, each naming the namespace (and {@code _id} for documents);
 *                    capped, with a final line saying how many more were found
 */
public record CompareResult(int collections, long documents, List<String> differences) {

    public CompareResult {
        differences = List.copyOf(differences);
    }

    public boolean identical() {
        return differences.isEmpty();
    }
}
