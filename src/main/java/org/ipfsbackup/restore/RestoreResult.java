package org.ipfsbackup.restore;

import java.util.List;

/**
 * What {@link DriverRestore#restoreDump} did.
 *
 * @param databases    target databases written to
 * @param collections  collections restored (views not counted)
 * @param documents    documents inserted
 * @param indexes      secondary indexes created ({@code _id_} not counted)
 * @param namespaces   target collections restored ({@code db.coll}), in dump order
 * @param views        views created (target namespaces)
 * @param oplogPresent whether the dump has an {@code oplog.bson} (not replayed by this class)
 * @param skipped      source namespaces present in the dump but not restored, each with the reason, e.g.
 *                     {@code "admin.system.users (system collection)"}; namespaces left out by
 *                     {@link RestoreOptions#nsInclude()} are not listed
 */
public record RestoreResult(int databases, int collections, long documents, int indexes, List<String> namespaces,
        List<String> views, boolean oplogPresent, List<String> skipped) {

    public RestoreResult {
        namespaces = List.copyOf(namespaces);
        views = List.copyOf(views);
        skipped = List.copyOf(skipped);
    }
}
