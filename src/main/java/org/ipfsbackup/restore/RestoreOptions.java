package org.ipfsbackup.restore;

import java.util.List;
import java.util.Set;

/**
 * How {@link DriverRestore} restores a dump.
 *
 * @param drop      drop each target collection (or view) before restoring it; without it a target collection
 *                  that already holds documents stops the restore before anything is written
 * @param nsInclude namespaces of the dump to restore, as {@code db.coll} patterns where {@code *} matches any
 *                  run of characters (dots included): {@code "shop.*"}, {@code "shop.orders"}, {@code "*.users"};
 *                  empty means all
 * @param dbPrefix  prepended to every database name on the target ({@code ""} keeps the names)
 * @param excludeDatabases source databases never restored nor replayed, whatever {@code nsInclude} says (the
 *                  manifest database in a point-in-time restore)
 */
public record RestoreOptions(boolean drop, List<String> nsInclude, String dbPrefix, Set<String> excludeDatabases) {

    public RestoreOptions {
        nsInclude = nsInclude == null ? List.of() : List.copyOf(nsInclude);
        dbPrefix = dbPrefix == null ? "" : dbPrefix;
        excludeDatabases = excludeDatabases == null ? Set.of() : Set.copyOf(excludeDatabases);
    }

    public RestoreOptions(boolean drop, List<String> nsInclude, String dbPrefix) {
        this(drop, nsInclude, dbPrefix, Set.of());
    }

    /** The same options with {@code drop} as given. */
    public RestoreOptions withDrop(boolean drop) {
        return new RestoreOptions(drop, nsInclude, dbPrefix, excludeDatabases);
    }

    /** Everything, same names, no drop. */
    public static RestoreOptions defaults() {
        return new RestoreOptions(false, List.of(), "");
    }
}
