package org.ipfsbackup.restore;

import java.util.List;

import org.ipfsbackup.mongo.OplogPosition;

/**
 * What {@link MongorestoreEngine#restore} gave mongorestore and what mongorestore reported.
 *
 * @param namespaces            source namespaces ({@code db.coll}) of the full backup handed to mongorestore, sorted
 * @param filesLinked           dump files put in mongorestore's directory as hard links
 * @param filesCopied           dump files that had to be copied (hard link impossible, e.g. another file system)
 * @param oplogEntries          entries in the merged {@code oplog.bson} (0: no oplog replay)
 * @param oplogEntriesToApply   of those, the entries at or before {@code until} (all when {@code until} is null):
 *                              what {@code --oplogLimit} lets mongorestore apply (it skips no-ops itself)
 * @param lastToApply           {@code ts} of the last of those, or {@code null}
 * @param oplogEntriesLeftOut   entries of the backups' oplogs left out because {@code nsInclude} does not select
 *                              their namespace (0 without {@code nsInclude})
 * @param oplogEntriesRewritten entries rewritten for {@code nsInclude}: an {@code applyOps} without its operations on
 *                              other namespaces, a rename out of the selection turned into a drop
 * @param oplogLimit            the {@code --oplogLimit} value given, or {@code null}
 * @param arguments             mongorestore's arguments (the {@code --config} file named there is deleted by now)
 * @param documentsRestored     from mongorestore's summary line, {@code -1} when it printed none
 * @param documentsFailed       from mongorestore's summary line, {@code -1} when it printed none
 * @param driverIndexes         indexes the driver created from metadata.json after mongorestore ran with
 *                              {@code --noIndexRestore} (a target without applyOps); {@code -1} when mongorestore
 *                              restored the indexes
 * @param driverReplay          the oplog replay by the driver (a target without applyOps), {@code null} when
 *                              mongorestore replayed it or there was no oplog entry
 */
public record MongorestoreResult(List<String> namespaces, int filesLinked, int filesCopied, long oplogEntries,
        long oplogEntriesToApply, OplogPosition lastToApply, long oplogEntriesLeftOut, long oplogEntriesRewritten,
        String oplogLimit, List<String> arguments, long documentsRestored, long documentsFailed, int driverIndexes,
        OplogReplayResult driverReplay) {

    /** Whether the driver created the indexes and replayed the oplog (the target has no applyOps). */
    public boolean driverFinished() {
        return driverIndexes >= 0;
    }

    public MongorestoreResult {
        namespaces = List.copyOf(namespaces);
        arguments = List.copyOf(arguments);
    }
}
