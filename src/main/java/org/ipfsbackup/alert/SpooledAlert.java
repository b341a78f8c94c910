package org.ipfsbackup.alert;

/**
 * An alert that could not be sent yet.
 *
 * @param id the spool's handle for it (a file name in a {@link DirectorySpool})
 * @param reason why the last attempt failed (secrets masked)
 * @param attempts how many sends failed so far (at least 1)
 */
public record SpooledAlert(String id, Alert alert, String reason, int attempts) {
}
