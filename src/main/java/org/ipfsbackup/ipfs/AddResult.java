package org.ipfsbackup.ipfs;

import java.util.List;

/** The root object of a cluster {@code POST /add} answer. */
public record AddResult(String name, String cid, long size, List<String> allocations) {
    public AddResult {
        allocations = allocations == null ? List.of() : List.copyOf(allocations);
    }
}
