package org.ipfsbackup.restore;

/** A restore that was refused (before writing) or failed (while writing), with a message meant for the operator. */
public class RestoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RestoreException(String message) {
        super(message);
    }

    public RestoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
