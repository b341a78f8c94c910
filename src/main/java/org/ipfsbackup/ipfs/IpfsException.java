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

    /**
     * The cluster answered {@code what} with HTTP {@code status}: transient for 5xx and 429; a 401 or 403 names the
     * settings that hold the credentials (never their values).
     */
    public static IpfsException refused(String what, int status, String answer) {
        String hint = status == 401 || status == 403
                ? " (the cluster refused the credentials: check IPFS_CLUSTER_USER (ipfs.cluster.username) and"
                + " IPFS_CLUSTER_PASSWORD, or IPFS_CLUSTER_TOKEN)"
                : "";
        return new IpfsException(what + ": HTTP " + status + " " + answer + hint, status >= 500 || status == 429);
    }

    /** True for failures worth retrying (unreachable, timeout, 5xx, 429), false for permanent ones (4xx, bad answers). */
    public boolean isTransient() {
        return transientFailure;
    }
}
