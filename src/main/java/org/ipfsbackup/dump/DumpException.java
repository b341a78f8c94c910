package org.ipfsbackup.dump;

/**
 * A dump that did not complete. The message names the engine and, for mongodump, the exit code (or the timeout) and
 * the last lines of its stderr; credentials in URIs are masked.
 */
public class DumpException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String engine;
    private final Integer exitCode;
    private final String stderr;
    private final boolean timedOut;

    public DumpException(String engine, String message) {
        this(engine, message, null, null, false, null);
    }

    public DumpException(String engine, String message, Throwable cause) {
        this(engine, message, null, null, false, cause);
    }

    public DumpException(String engine, String message, Integer exitCode, String stderr, boolean timedOut, Throwable cause) {
        super(engine + " engine: " + message, cause);
        this.engine = engine;
        this.exitCode = exitCode;
        this.stderr = stderr;
        this.timedOut = timedOut;
    }

    public String engine() {
        return engine;
    }

    /** Exit code of the mongodump process, or {@code null} when no process exited (driver engine, launch failure). */
    public Integer exitCode() {
        return exitCode;
    }

    /** The last lines of mongodump's stderr (masked), or {@code null}. */
    public String stderr() {
        return stderr;
    }

    /** Whether the dump was stopped because it ran past {@link DumpSettings#timeout()}. */
    public boolean timedOut() {
        return timedOut;
    }
}
