package org.ipfsbackup.restore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Namespace rules shared by {@link DriverRestore} and {@link DatabaseComparator}. */
final class Namespaces {

    private Namespaces() {
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

    /** Matches {@code db.coll} against {@code nsInclude} patterns where {@code *} is any run of characters. */
    static final class Filter {
        private final List<Pattern> patterns = new ArrayList<>();

        Filter(List<String> globs) {
            for (String glob : globs) {
                if (glob == null || glob.indexOf('.') <= 0 || glob.endsWith(".")) {
                    throw new IllegalArgumentException("nsInclude pattern must look like db.coll or db.*, got: " + glob);
                }
                StringBuilder regex = new StringBuilder();
                int start = 0;
                for (int star = glob.indexOf('*'); star >= 0; star = glob.indexOf('*', start)) {
                    regex.append(Pattern.quote(glob.substring(start, star))).append(".*");
                    start = star + 1;
                }
                regex.append(Pattern.quote(glob.substring(start)));
                patterns.add(Pattern.compile(regex.toString(), Pattern.DOTALL));
            }
        }

        boolean includes(String namespace) {
            return patterns.isEmpty() || patterns.stream().anyMatch(p -> p.matcher(namespace).matches());
        }
    }
}
