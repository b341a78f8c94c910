package org.ipfsbackup.recovery;

/** Removes a pin from the cluster, e.g. {@code cluster::unpin}. A thrown exception is reported as a failure. */
@FunctionalInterface
public interface Unpinner {
    void unpin(String cid) throws Exception;
}
