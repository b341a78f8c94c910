package org.ipfsbackup.restore;

import java.nio.file.Path;
import java.util.Objects;

import org.ipfsbackup.mongo.OplogPosition;

import com.mongodb.client.MongoClient;

/**
 * What mongorestore cannot do on a target without {@code applyOps} (FerretDB), done through the Java driver after
 * {@code mongorestore --noIndexRestore} has restored the collections: the indexes listed in the dump's
 * metadata.json files ({@link DriverRestore#restoreIndexes}), then the oplog ({@link OplogApplier}) up to a point.
 * Used by the mongorestore engine and by {@code restore-dump --after-mongorestore} (restoring by hand).
 */
public final class AfterMongorestore {

    /**
     * @param indexes indexes created ({@code _id_} not counted)
     * @param replay  the oplog replay, {@code null} when there was no oplog
     */
    public record Result(int indexes, OplogReplayResult replay) {
        public long applied() {
            return replay == null ? 0 : replay.applied();
        }

        public long skipped() {
            return replay == null ? 0 : replay.skipped();
        }
    }

    private AfterMongorestore() {
    }

    /**
     * @param dumpDir the dump mongorestore restored (mongodump layout)
     * @param oplog   the oplog to replay ({@code oplog.bson}: entries in ascending {@code ts}), or {@code null}
     * @param until   last position to apply (inclusive), {@code null} for all
     * @param options {@code nsInclude} and {@code dbPrefix} as given to mongorestore; {@code drop} does not apply
     * @throws RestoreException when the server rejects an index or an oplog entry; the message says what had been done
     */
    public static Result finish(MongoClient target, Path dumpDir, Path oplog, OplogPosition until, RestoreOptions options) {
        Objects.requireNonNull(target, "target");
        int indexes;
        try {
            indexes = new DriverRestore(target).restoreIndexes(dumpDir, options);
        } catch (RuntimeException e) {
            throw new RestoreException("creating the indexes from metadata.json failed: " + e.getMessage()
                    + "; the target holds the collections without all their indexes, no oplog entry replayed", e);
        }
        if (oplog == null) {
            return new Result(indexes, null);
        }
        try {
            return new Result(indexes, new OplogApplier(target, options).apply(oplog, null, until));
        } catch (RuntimeException e) {
            throw new RestoreException("the driver created " + indexes + " indexes from metadata.json, then replaying "
                    + oplog.getFileName() + " failed: " + e.getMessage() + "; the target holds the collections with their"
                    + " indexes plus part of the oplog", e);
        }
    }
}
