package org.ipfsbackup.restore;

/**
 * A {@link MongorestoreEngine} restore that failed while mongorestore ran (or could not be started): the exit code
 * (null when it never ran), whether it was killed at the timeout, and the last lines of its stderr with credentials
 * masked. The message carries all three.
 */
public class MongorestoreException extends RestoreException {

    private static final long serialVersionUID = 1L;

    private final Integer exitCode;
    private final boolean timedOut;
    private final String stderr;

    public MongorestoreException(String message, Integer exitCode, boolean timedOut, String stderr, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.timedOut = timedOut;
        this.stderr = stderr == null ? "" : stderr;
    }

    /** mongorestore's exit code, or {@code null} when it could not be started. */
    public Integer exitCode() {
        return exitCode;
    }

    /** Whether mongorestore was killed because it did not finish within the engine's timeout. */
    public boolean timedOut() {
        return timedOut;
    }

    /** The last lines of mongorestore's stderr (its log), credentials masked; empty when there were none. */
    public String stderr() {
        return stderr;
    }
}
