package org.ipfsbackup.recovery;

import org.ipfsbackup.ipfs.ClusterPin;

/**
 * Tries to take an orphaned backup file into the manifest: download it, check its sha256, decrypt it, and record it.
 * Only ever offered backup files ({@code full_/incremental_backup_*.tar.gz.enc}), never manifest files.
 */
@FunctionalInterface
public interface Adopter {
    /**
     * @return true when the file verified and is now recorded in the manifest (it will be kept); false when it did not
     *         verify (it will be unpinned)
     * @throws Exception when verifying or recording failed; the message is reported and the pin is unpinned
     */
    boolean adopt(ClusterPin pin) throws Exception;

    /**
     * Thrown when it cannot be decided now (no IPFS node could give the file): the pin is left alone and looked at
     * again at the next start, rather than unpinning what may be a good backup.
     */
    final class Deferred extends Exception {
        public Deferred(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
