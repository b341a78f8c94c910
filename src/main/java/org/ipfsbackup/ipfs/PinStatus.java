package org.ipfsbackup.ipfs;

import java.util.List;
import java.util.Map;

/**
 * The cluster's view of one CID ({@code GET /pins/{cid}}): the peers it is allocated to, and each peer's status
 * (pinned, pinning, pin_queued, remote, cluster_error, ...).
 */
public record PinStatus(String cid, List<String> allocations, Map<String, PeerPin> peers) {

    public record PeerPin(String peerId, String peerName, String status, String error) {
    }

    public PinStatus {
        allocations = allocations == null ? List.of() : List.copyOf(allocations);
        peers = peers == null ? Map.of() : Map.copyOf(peers);
    }

    /** Peers that must hold the content: the allocations, or every peer when the pin is "everywhere" (empty list). */
    public List<String> requiredPeers() {
        if (!allocations.isEmpty()) {
            return allocations;
        }
        return peers.values().stream().filter(p -> !"remote".equals(p.status())).map(PeerPin::peerId).sorted().toList();
    }

    public List<String> pinnedPeers() {
        return peers.values().stream().filter(p -> "pinned".equals(p.status())).map(PeerPin::peerId).sorted().toList();
    }

    public boolean pinnedOnAll(int minimum) {
        List<String> required = requiredPeers();
        return required.size() >= minimum && required.stream()
                .allMatch(id -> peers.containsKey(id) && "pinned".equals(peers.get(id).status()));
    }

    /** A status that will not become pinned by waiting. */
    public List<String> failures() {
        return peers.values().stream()
                .filter(p -> requiredPeers().contains(p.peerId()))
                .filter(p -> p.status().endsWith("_error") || p.status().equals("unexpectedly_unpinned"))
                .map(p -> p.peerName() + "(" + p.peerId() + "): " + p.status() + (p.error() == null || p.error().isBlank() ? "" : " " + p.error()))
                .toList();
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        peers.values().stream().sorted(java.util.Comparator.comparing(PeerPin::peerId)).forEach(p -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(p.peerName() == null || p.peerName().isBlank() ? p.peerId() : p.peerName()).append('=').append(p.status()));
        return sb.toString();
    }
}
