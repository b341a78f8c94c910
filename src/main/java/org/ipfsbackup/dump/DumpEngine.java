package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.OplogPosition;

import java.nio.file.Path;

/**
 * Writes a dump in the on-disk layout of {@code mongodump --out}: {@code <db>/<coll>.bson},
 * {@code <db>/<coll>.metadata.json} and, with the oplog, {@code oplog.bson}.
 */
public interface DumpEngine {

    /** {@code mongodump} or {@code driver}. */
    String name();

    /**
     * Dumps the selected databases into {@code outDir} (created if missing; must be empty). On a server with an oplog
     * (and {@link DumpSettings#oplog()}) the oplog entries written while dumping go to {@code oplog.bson}, like
     * {@code mongodump --oplog}; {@link DumpResult#oplogEnd()} is then the position the dump is consistent with.
     */
    DumpResult dumpFull(Path outDir) throws DumpException;

    /**
     * Writes the oplog entries with {@code ts > after}, up to the newest entry at the time of the call, ascending, to
     * {@code outDir/oplog.bson} (always created, possibly empty).
     *
     * @throws OplogGapException if the oldest entry still in the oplog is newer than {@code after}
     */
    DumpResult dumpOplog(OplogPosition after, Path outDir) throws DumpException;
}
