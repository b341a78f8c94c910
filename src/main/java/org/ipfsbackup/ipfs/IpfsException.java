package org.ipfsbackup.ipfs;

/** The cluster or a node refused or failed a request; the message says which node, what request and what came back. */
public class IpfsException extends RuntimeException {
    private final boolean transientFailure;

    public IpfsException(String message, boolean transientFailure) {
        super(message);
        this.transientFailure = transientFailure;
    }

    public IpfsException(String message, boolean transientFailure, Throwable cause) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    /** True for failures worth retrying (unreachable, timeout, 5xx, 429), false for permanent ones (4xx, bad answers). */
    public boolean isTransient() {
        return transientFailure;
    }
}
