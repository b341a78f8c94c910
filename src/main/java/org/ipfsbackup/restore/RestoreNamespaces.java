package org.ipfsbackup.restore;

import org.ipfsbackup.mongo.DumpLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Projections;

/**
 * Every namespace a point-in-time restore writes, computed once before anything is written, so that the refusal
 * of a non-empty target and {@code --drop} cover the same collections: the full backup's dumped collections and
 * views that {@link DriverRestore} restores, and every collection the chain's oplogs write to, after
 * {@link RestoreOptions#nsInclude()} and {@link RestoreOptions#excludeDatabases()} (the manifest database) with the
 * replay's own rules ({@link Namespaces#replayed}).
 *
 * <p>From an oplog: the {@code ns} of inserts, updates and deletes, the collection a command names
 * ({@code create}, {@code drop}, {@code createIndexes}, {@code collMod}...), both names of a
 * {@code renameCollection}, the operations inside {@code applyOps} (transactions), and, for {@code dropDatabase},
 * the database: its target collections that the selection includes are read from the target when it is checked.
 * The whole of every oplog file in the plan counts, entries after the restore's point in time included: a
 * collection that was created after that instant did not exist then, so a target copy of it is refused, or dropped
 * with {@code --drop}, like any other collection the restore defines.
 *
 * <p>Names are the source's; {@link RestoreOptions#dbPrefix()} is applied on the target side.
 */
final class RestoreNamespaces {

    private final Namespaces.Filter filter;
    private final String dbPrefix;
    private final SortedSet<String> collections = new TreeSet<>();
    private final SortedSet<String> views = new TreeSet<>();
    private final SortedSet<String> droppedDatabases = new TreeSet<>();

    RestoreNamespaces(RestoreOptions options) {
        this.filter = Namespaces.Filter.of(options);
        this.dbPrefix = options.dbPrefix();
    }

    /** The namespaces of {@code dumpDir} (may be null) and of each oplog file (absent files are ignored). */
    static RestoreNamespaces of(RestoreOptions options, Path dumpDir, List<Path> oplogs) throws IOException {
        RestoreNamespaces namespaces = new RestoreNamespaces(options);
        if (dumpDir != null) {
            namespaces.addDump(dumpDir);
        }
        for (Path oplog : oplogs) {
            if (Files.exists(oplog)) {
                namespaces.addOplog(oplog);
            }
        }
        return namespaces;
    }

    /** The collections and views of a mongodump directory that {@link DriverRestore} restores. */
    void addDump(Path dumpDir) throws IOException {
        for (DumpLayout.Entry entry : DumpLayout.scan(dumpDir).entries()) {
            if (filter.includes(entry.namespace()) && DriverRestore.skipReason(entry) == null) {
                (entry.type().equals("view") ? views : collections).add(entry.namespace());
            }
        }
    }

    /** Every collection an oplog file ({@code oplog.bson}) writes to. */
    void addOplog(Path oplog) throws IOException {
        try (BsonFileReader reader = new BsonFileReader(oplog)) {
            for (RawBsonDocument entry; (entry = reader.read()) != null; ) {
                addEntry(entry);
            }
        }
    }

    void addEntry(BsonDocument entry) {
        String op = string(entry, "op");
        String ns = string(entry, "ns");
        if (op == null || ns == null) {
            return;
        }
        switch (op) {
            case "i", "u", "d" -> addCollection(ns);
            case "c" -> addCommand(ns, entry.get("o"));
            default -> {
            }
        }
    }

    private void addCommand(String ns, BsonValue oValue) {
        int dot = ns.indexOf('.');
        if (dot <= 0 || oValue == null || !oValue.isDocument() || oValue.asDocument().isEmpty()) {
            return;
        }
        String db = ns.substring(0, dot);
        BsonDocument o = oValue.asDocument();
        String command = o.getFirstKey();
        BsonValue argument = o.get(command);
        switch (command) {
            case "applyOps" -> {
                if (argument.isArray()) {
                    for (BsonValue nested : argument.asArray()) {
                        if (nested.isDocument()) {
                            addEntry(nested.asDocument());
                        }
                    }
                }
            }
            case "renameCollection" -> {
                if (argument.isString()) {
                    addCollection(argument.asString().getValue());
                }
                String to = string(o, "to");
                if (to != null) {
                    addCollection(to);
                }
            }
            case "dropDatabase" -> {
                if (!Namespaces.SYSTEM_DATABASES.contains(db) && !filter.excludesDatabase(db)) {
                    droppedDatabases.add(db);
                }
            }
            default -> {
                if (argument.isString() && !argument.asString().getValue().isEmpty()) {
                    addCollection(db + "." + argument.asString().getValue());
                }
            }
        }
    }

    private void addCollection(String ns) {
        int dot = ns.indexOf('.');
        if (dot <= 0 || dot == ns.length() - 1) {
            return;
        }
        if (Namespaces.replayed(ns.substring(0, dot), ns.substring(dot + 1), filter)) {
            collections.add(ns);
        }
    }

    /** Source collections written (dumped or in an oplog), in name order. */
    SortedSet<String> collections() {
        return java.util.Collections.unmodifiableSortedSet(collections);
    }

    /** Source views of the dump. */
    SortedSet<String> views() {
        return java.util.Collections.unmodifiableSortedSet(views);
    }

    /** Source databases an oplog drops whole (dropDatabase). */
    SortedSet<String> droppedDatabases() {
        return java.util.Collections.unmodifiableSortedSet(droppedDatabases);
    }

    // ---- the target ----

    /**
     * The target namespaces (with the prefix) of {@link #collections()}, plus the existing target collections of
     * {@link #droppedDatabases()} that the selection includes; throws when a target database name is invalid.
     */
    SortedSet<String> targetCollections(MongoClient target) {
        SortedSet<String> result = new TreeSet<>();
        for (String ns : collections) {
            result.add(targetNamespace(ns));
        }
        for (String db : droppedDatabases) {
            String targetDb = dbPrefix + db;
            Namespaces.requireValidDatabaseName(targetDb);
            for (String collection : target.getDatabase(targetDb).listCollectionNames()) {
                if (Namespaces.replayed(db, collection, filter)) {
                    result.add(targetDb + "." + collection);
                }
            }
        }
        return result;
    }

    SortedSet<String> targetViews() {
        SortedSet<String> result = new TreeSet<>();
        for (String ns : views) {
            result.add(targetNamespace(ns));
        }
        return result;
    }

    private String targetNamespace(String ns) {
        int dot = ns.indexOf('.');
        String targetDb = dbPrefix + ns.substring(0, dot);
        Namespaces.requireValidDatabaseName(targetDb);
        return targetDb + "." + ns.substring(dot + 1);
    }

    /**
     * Refuses (a {@link RestoreException} naming every one) target collections that hold documents and target
     * views that exist, among the namespaces the restore writes.
     */
    void requireEmpty(MongoClient target) {
        List<String> problems = occupied(target, targetCollections(target), targetViews());
        if (!problems.isEmpty()) {
            throw new RestoreException(String.join("\n", problems));
        }
    }

    /** Drops every target namespace the restore writes; returns those that existed. */
    List<String> drop(MongoClient target) {
        SortedSet<String> all = targetCollections(target);
        all.addAll(targetViews());
        Map<String, Set<String>> existing = new HashMap<>();
        List<String> dropped = new ArrayList<>();
        for (String ns : all) {
            if (exists(target, existing, ns)) {
                target.getDatabase(database(ns)).getCollection(collection(ns)).drop();
                dropped.add(ns);
            }
        }
        return dropped;
    }

    /**
     * "target collection db.c is not empty; use --drop" for each of {@code collections} (target names) that holds
     * a document, "target view db.v already exists; use --drop" for each of {@code views} that exists.
     */
    static List<String> occupied(MongoClient target, Collection<String> collections, Collection<String> views) {
        Map<String, Set<String>> existing = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (String ns : collections) {
            if (exists(target, existing, ns) && target.getDatabase(database(ns)).getCollection(collection(ns), BsonDocument.class)
                    .find().projection(Projections.include("_id")).limit(1).first() != null) {
                problems.add("target collection " + ns + " is not empty; use --drop");
            }
        }
        for (String ns : views) {
            if (exists(target, existing, ns)) {
                problems.add("target view " + ns + " already exists; use --drop");
            }
        }
        return problems;
    }

    /** Whether {@code ns} exists on the target (as a collection or a view); names are listed once per database. */
    private static boolean exists(MongoClient target, Map<String, Set<String>> cache, String ns) {
        return cache.computeIfAbsent(database(ns), db -> target.getDatabase(db).listCollectionNames().into(new TreeSet<>()))
                .contains(collection(ns));
    }

    private static String database(String ns) {
        return ns.substring(0, ns.indexOf('.'));
    }

    private static String collection(String ns) {
        return ns.substring(ns.indexOf('.') + 1);
    }

    private static String string(BsonDocument doc, String field) {
        BsonValue value = doc.get(field);
        return value != null && value.isString() ? value.asString().getValue() : null;
    }
}
