package org.ipfsbackup.restore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * {@link RestoreOptions#nsInclude()} applied to oplog entries, for {@link MongorestoreEngine}: mongorestore refuses
 * {@code --nsInclude} together with {@code --oplogReplay}, so the engine selects the namespaces itself, in the files
 * it hands over and in the merged oplog.
 *
 * <p>{@link #select} keeps an entry as it is, leaves it out, rewrites it, or refuses it (a
 * {@link RestoreException}, thrown before mongorestore runs):
 * <ul>
 *   <li>{@code i}/{@code u}/{@code d}: kept when the selection includes {@code ns};</li>
 *   <li>{@code n}: left out (mongorestore skips no-ops anyway);</li>
 *   <li>commands naming a collection ({@code create}, {@code drop}, {@code createIndexes}, {@code collMod}, ...):
 *       kept when that collection is included;</li>
 *   <li>{@code applyOps} (transactions): rewritten without the operations on namespaces not included, kept even
 *       when none remain so that mongorestore still sees the transaction's parts and commit;
 *       {@code commitTransaction}/{@code abortTransaction}: kept;</li>
 *   <li>{@code renameCollection}: kept when both names are included, left out when neither is, turned into a
 *       {@code drop} of the source when only the source is (the collection leaves the restored set, as
 *       {@link OplogApplier} does it); refused when only the destination is (its documents would come from a
 *       collection that is not restored);</li>
 *   <li>{@code dropDatabase} and commands whose collection cannot be told: kept when the selection covers the whole
 *       database, left out when it selects nothing in it, refused otherwise (mongorestore would drop or change
 *       more than the selection).</li>
 * </ul>
 * The server's temporary collections of {@code $out} and mapReduce ({@code tmp.agg_out.*}, {@code tmp.mr.*}) count as
 * included in any database the selection touches, so that the rename publishing their result works.
 */
final class OplogSelection {

    private static final List<String> TEMP_COLLECTION_PREFIXES = Namespaces.TEMP_COLLECTION_PREFIXES;

    private final Namespaces.Filter filter;
    private final List<Pattern> patterns = new ArrayList<>();
    private final List<Pattern> wholeDatabasePrefixes = new ArrayList<>();

    /** @param nsInclude non-empty {@code db.coll} globs, as {@link RestoreOptions#nsInclude()} */
    OplogSelection(List<String> nsInclude) {
        this(nsInclude, Set.of());
    }

    /** @param excludedDatabases databases never selected, whatever the patterns say */
    OplogSelection(List<String> nsInclude, Set<String> excludedDatabases) {
        if (nsInclude.isEmpty()) {
            throw new IllegalArgumentException("an oplog selection needs at least one nsInclude pattern");
        }
        this.filter = new Namespaces.Filter(nsInclude, excludedDatabases); // validates the patterns
        for (String glob : nsInclude) {
            patterns.add(Namespaces.globRegex(glob));
            if (glob.endsWith("*")) {
                // "<prefix>*" matches "<db>." followed by anything when "<prefix>" matches "<db>."
                wholeDatabasePrefixes.add(Namespaces.globRegex(glob.substring(0, glob.length() - 1)));
            }
        }
    }

    /** Whether the collection {@code ns} ({@code db.coll}) of the dump is restored. */
    boolean includesCollection(String ns) {
        return filter.includes(ns);
    }

    /** As {@link #includesCollection}, plus the server's temporary collections in databases the selection touches. */
    boolean includesInOplog(String ns) {
        if (filter.includes(ns)) {
            return true;
        }
        int dot = ns.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        String collection = ns.substring(dot + 1);
        return TEMP_COLLECTION_PREFIXES.stream().anyMatch(collection::startsWith) && touchesDatabase(ns.substring(0, dot));
    }

    /** Every collection of {@code db} is selected. */
    boolean coversDatabase(String db) {
        if (filter.excludesDatabase(db)) {
            return false;
        }
        String prefix = db + ".";
        return wholeDatabasePrefixes.stream().anyMatch(p -> p.matcher(prefix).matches());
    }

    /** Some collection of {@code db} may be selected. */
    boolean touchesDatabase(String db) {
        if (filter.excludesDatabase(db)) {
            return false;
        }
        String prefix = db + ".";
        for (Pattern p : patterns) {
            Matcher m = p.matcher(prefix);
            if (m.matches() || m.hitEnd()) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param entry an oplog entry
     * @param where names the entry in a refusal ("file, ts")
     * @return {@code entry} itself when kept unchanged, {@code null} when left out, or a rewritten entry
     */
    BsonDocument select(BsonDocument entry, String where) {
        BsonValue op = entry.get("op");
        if (op == null || !op.isString()) {
            throw new RestoreException(where + ": oplog entry without an op: " + brief(entry));
        }
        String ns = entry.isString("ns") ? entry.getString("ns").getValue() : "";
        switch (op.asString().getValue()) {
            case "n":
                return null;
            case "i":
            case "u":
            case "d":
                return includesInOplog(ns) ? entry : null;
            case "c":
                return selectCommand(entry, ns, where);
            default:
                throw new RestoreException(where + ": unknown oplog op '" + op.asString().getValue() + "' on " + ns);
        }
    }

    private BsonDocument selectCommand(BsonDocument entry, String ns, String where) {
        int dot = ns.indexOf('.');
        String db = dot < 0 ? ns : ns.substring(0, dot);
        BsonValue oValue = entry.get("o");
        if (oValue == null || !oValue.isDocument() || oValue.asDocument().isEmpty()) {
            throw new RestoreException(where + ": command entry on " + ns + " without a command: " + brief(entry));
        }
        BsonDocument o = oValue.asDocument();
        String command = o.getFirstKey();
        BsonValue argument = o.get(command);
        switch (command) {
            case "applyOps": {
                if (!argument.isArray()) {
                    throw new RestoreException(where + ": applyOps without an array of operations: " + brief(entry));
                }
                BsonArray kept = new BsonArray();
                boolean changed = false;
                for (BsonValue nested : argument.asArray()) {
                    if (!nested.isDocument()) {
                        throw new RestoreException(where + ": applyOps holds a non-document operation: " + brief(entry));
                    }
                    BsonDocument selected = select(nested.asDocument(), where + " (inside applyOps)");
                    changed |= selected != nested;
                    if (selected != null) {
                        kept.add(selected);
                    }
                }
                return changed ? replace(entry, "o", replace(o, "applyOps", kept)) : entry;
            }
            case "commitTransaction":
            case "abortTransaction":
                return entry;
            case "renameCollection": {
                String from = argument.isString() ? argument.asString().getValue() : null;
                String to = o.isString("to") ? o.getString("to").getValue() : null;
                if (from == null || to == null || from.indexOf('.') <= 0) {
                    throw new RestoreException(where + ": renameCollection without source and destination: " + brief(entry));
                }
                boolean fromIncluded = includesInOplog(from);
                boolean toIncluded = includesInOplog(to);
                if (fromIncluded && toIncluded) {
                    return entry;
                }
                if (!fromIncluded && !toIncluded) {
                    return null;
                }
                if (toIncluded) {
                    throw new RestoreException(where + ": renameCollection " + from + " -> " + to + " moves a collection that is"
                            + " not restored into the selection; include " + from + " in --ns-include, or use the driver engine");
                }
                int fromDot = from.indexOf('.');
                BsonDocument drop = new BsonDocument("drop", new BsonString(from.substring(fromDot + 1)));
                return replace(replace(entry, "ns", new BsonString(from.substring(0, fromDot) + ".$cmd")), "o", drop);
            }
            case "dropDatabase":
                return wholeDatabaseOnly(entry, db, "dropDatabase", where);
            default:
                if (argument.isString()) {
                    return includesInOplog(db + "." + argument.asString().getValue()) ? entry : null;
                }
                return wholeDatabaseOnly(entry, db, command, where);
        }
    }

    private BsonDocument wholeDatabaseOnly(BsonDocument entry, String db, String command, String where) {
        if (coversDatabase(db)) {
            return entry;
        }
        if (!touchesDatabase(db)) {
            return null;
        }
        throw new RestoreException(where + ": " + command + " on database " + db + " cannot be limited to the selected"
                + " namespaces by mongorestore; select the whole database (" + db + ".*) or use the driver engine");
    }

    /** A copy of {@code doc} with {@code key}'s value replaced, in the same field order. */
    private static BsonDocument replace(BsonDocument doc, String key, BsonValue value) {
        BsonDocument copy = new BsonDocument();
        for (Map.Entry<String, BsonValue> e : doc.entrySet()) {
            copy.append(e.getKey(), e.getKey().equals(key) ? value : e.getValue());
        }
        return copy;
    }

    private static String brief(BsonDocument entry) {
        String json = entry.toJson();
        return json.length() > 300 ? json.substring(0, 300) + "..." : json;
    }
}
