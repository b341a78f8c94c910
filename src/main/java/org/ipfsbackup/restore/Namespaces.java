package org.ipfsbackup.restore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Namespace rules shared by {@link DriverRestore}, {@link OplogApplier}, {@link RestoreNamespaces} and {@link DatabaseComparator}. */
final class Namespaces {

    /** Databases whose oplog entries are never replayed. */
    static final Set<String> SYSTEM_DATABASES = Set.of("admin", "config", "local");
    /** The server's temporary collections of {@code $out} and mapReduce, renamed to their result at the end. */
    static final List<String> TEMP_COLLECTION_PREFIXES = List.of("tmp.agg_out.", "tmp.mr.");

    private Namespaces() {
    }

    /**
     * Whether an oplog replay writes {@code db.collection}: never on {@link #SYSTEM_DATABASES}, on databases the
     * filter excludes, or on {@code system.*} collections (except {@code system.js}); always on the server's
     * temporary collections (so that the rename publishing their result works); otherwise as the filter says.
     */
    static boolean replayed(String db, String collection, Filter filter) {
        if (SYSTEM_DATABASES.contains(db) || filter.excludesDatabase(db) || isSystemCollection(collection)) {
            return false;
        }
        if (TEMP_COLLECTION_PREFIXES.stream().anyMatch(collection::startsWith)) {
            return true;
        }
        return filter.includes(db + "." + collection);
    }

    /**
     * Server-managed collections ({@code system.*}: users, roles, version, profile, views, buckets...) are
     * neither restored by inserting documents nor compared; {@code system.js} holds user data and is kept.
     */
    static boolean isSystemCollection(String collection) {
        return collection.startsWith("system.") && !collection.equals("system.js");
    }

    /** Throws unless {@code db} is a usable database name. */
    static void requireValidDatabaseName(String db) {
        if (db.isEmpty() || db.getBytes(StandardCharsets.UTF_8).length >= 64) {
            throw new IllegalArgumentException("invalid target database name '" + db + "': must be 1 to 63 bytes");
        }
        for (char c : new char[] {'/', '\\', '.', ' ', '"', '$', '\0'}) {
            if (db.indexOf(c) >= 0) {
                throw new IllegalArgumentException("invalid target database name '" + db + "': must not contain '" + c + "'");
            }
        }
    }

    /**
     * Matches {@code db.coll} against {@code nsInclude} patterns where {@code *} is any run of characters; the
     * excluded databases never match.
     */
    static final class Filter {
        private final List<Pattern> patterns = new ArrayList<>();
        private final Set<String> excludedDatabases;

        Filter(List<String> globs) {
            this(globs, Set.of());
        }

        /** {@link RestoreOptions#nsInclude()} without {@link RestoreOptions#excludeDatabases()}. */
        static Filter of(RestoreOptions options) {
            return new Filter(options.nsInclude(), options.excludeDatabases());
        }

        Filter(List<String> globs, Set<String> excludedDatabases) {
            this.excludedDatabases = Set.copyOf(excludedDatabases);
            for (String glob : globs) {
                if (glob == null || glob.indexOf('.') <= 0 || glob.endsWith(".")) {
                    throw new IllegalArgumentException("nsInclude pattern must look like db.coll or db.*, got: " + glob);
                }
                patterns.add(globRegex(glob));
            }
        }

        boolean includes(String namespace) {
            int dot = namespace.indexOf('.');
            if (dot > 0 && excludesDatabase(namespace.substring(0, dot))) {
                return false;
            }
            return patterns.isEmpty() || patterns.stream().anyMatch(p -> p.matcher(namespace).matches());
        }

        boolean excludesDatabase(String db) {
            return excludedDatabases.contains(db);
        }
    }

    /** A namespace glob as a regex: {@code *} is any run of characters, dots included; nothing else is special. */
    static Pattern globRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        int start = 0;
        for (int star = glob.indexOf('*'); star >= 0; star = glob.indexOf('*', start)) {
            regex.append(Pattern.quote(glob.substring(start, star))).append(".*");
            start = star + 1;
        }
        regex.append(Pattern.quote(glob.substring(start)));
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
