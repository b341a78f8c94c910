package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.OplogPosition;

/**
 * The oplog no longer continues from the position an incremental dump has to start after: the entries in between
 * were overwritten (or that position is gone), so an incremental cannot be consistent and a new full dump is needed.
 */
public class OplogGapException extends DumpException {

    private static final long serialVersionUID = 1L;

    private final transient OplogPosition after;
    private final transient OplogPosition oldest;

    public OplogGapException(String engine, OplogPosition after, OplogPosition oldest) {
        this(engine, after, oldest, oldest == null
                ? "oplog gap: local.oplog.rs is empty, so nothing shows it still holds the entries after " + after
                        + " (the previous backup's end); a new full backup is needed"
                : "oplog gap: the oldest entry still in local.oplog.rs is " + oldest + ", newer than " + after
                        + " (the previous backup's end); entries in between were overwritten, a new full backup is needed");
    }

    public OplogGapException(String engine, OplogPosition after, OplogPosition oldest, String message) {
        super(engine, message);
        this.after = after;
        this.oldest = oldest;
    }

    /** The position the dump had to continue after. */
    public OplogPosition after() {
        return after;
    }

    /** The oldest position still in the oplog, or {@code null} if the oplog was empty. */
    public OplogPosition oldest() {
        return oldest;
    }
}
