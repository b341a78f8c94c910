package org.ipfsbackup.restore;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import org.ipfsbackup.mongo.OplogPosition;

/**
 * What {@link OplogApplier#apply} did with the entries of its window ({@code after < ts <= until}).
 *
 * <p>Every operation of the window is counted exactly once, in {@code applied} or in {@code skipped}: a plain
 * entry is one operation; an {@code applyOps} entry (a transaction) counts as the operations it carries, not as
 * one of its own. Entries at or before {@code after} are not counted at all.
 *
 * @param applied     operations written to the target
 * @param skipped     operations of the window not written: no-ops, entries on namespaces that are excluded or
 *                    never restored ({@code admin}, {@code config}, {@code local}, {@code system.*}), transaction
 *                    control entries ({@code commitTransaction}, {@code abortTransaction}), index build
 *                    bookkeeping ({@code startIndexBuild}, {@code abortIndexBuild}), and the operations of
 *                    transactions that were aborted or not committed by the end of the window
 * @param first       ts of the first entry of the window, {@code null} when the window holds no entry
 * @param last        ts of the last entry of the window (the point in time the target now reflects, when the
 *                    replay started from the state at {@code after}), {@code null} when the window holds no entry
 * @param byOperation applied operations by kind: {@code insert}, {@code update}, {@code delete}, or the command
 *                    name ({@code create}, {@code drop}, {@code createIndexes}, {@code commitIndexBuild},
 *                    {@code dropIndexes}, {@code dropDatabase}, {@code renameCollection}); sorted by kind, the
 *                    values add up to {@code applied}
 */
public record OplogReplayResult(long applied, long skipped, OplogPosition first, OplogPosition last,
        Map<String, Long> byOperation) {

    public OplogReplayResult {
        byOperation = Collections.unmodifiableMap(new TreeMap<>(byOperation));
    }
}
