package org.ipfsbackup.recovery;

import org.ipfsbackup.ipfs.ClusterPin;

/**
 * What was done with one orphaned pin.
 *
 * @param pin    the orphan
 * @param action {@link #ADOPTED}, {@link #UNPINNED}, {@link #KEPT} (left for the next start) or {@link #FAILED}
 * @param reason why: e.g. "verified and recorded", "manifest file (never adopted)", "did not verify",
 *               "adoption failed: ...", "unpin failed: ..."
 */
public record OrphanAction(ClusterPin pin, String action, String reason) {
    public static final String ADOPTED = "adopted";
    public static final String UNPINNED = "unpinned";
    public static final String FAILED = "failed";
    public static final String KEPT = "kept";

    public boolean adopted() {
        return ADOPTED.equals(action);
    }

    public boolean unpinned() {
        return UNPINNED.equals(action);
    }

    public boolean kept() {
        return KEPT.equals(action);
    }

    public boolean failed() {
        return FAILED.equals(action);
    }

    /** One line for the log: {@code <name> (<cid>): <action>: <reason>}. */
    public String describe() {
        return (pin.name().isEmpty() ? "(unnamed)" : pin.name()) + " (" + pin.cid() + "): " + action + ": " + reason;
    }
}
