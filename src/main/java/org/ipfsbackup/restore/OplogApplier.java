package org.ipfsbackup.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.ipfsbackup.mongo.OplogPosition;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoNamespace;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.RenameCollectionOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;

/**
 * Replays a backup's {@code oplog.bson} (mongodump layout: {@code local.oplog.rs} entries as concatenated BSON
 * documents in ascending {@code ts}) into a target MongoDB through the Java driver: the point-in-time part of a
 * restore. The file is streamed, one entry in memory at a time (plus the parts of a multi-entry transaction until
 * it commits).
 *
 * <h2>Window</h2>
 * {@link #apply} applies the entries with {@code after < ts <= until}, in file order. Either bound may be
 * {@code null} (open). Reading stops at the first entry with {@code ts > until}; the rest of the file is not read.
 * Every entry read must have a {@code ts} strictly greater than the previous one, otherwise the replay fails
 * (entries before the failing one stay applied).
 *
 * <h2>Operations</h2>
 * Replay is idempotent, as the server's own oplog application: a dump taken with {@code --oplog} overlaps its
 * oplog window, so entries may meet documents that already hold their effect or a later state.
 * <ul>
 *   <li>{@code i}: replace-or-insert {@code o} by {@code _id} (upsert), so re-inserting a document the dump already
 *       restored is harmless.</li>
 *   <li>{@code u}: {@code o2._id} selects the document ({@code o2}'s other fields, a shard key, are not used).
 *       {@code o} is one of:
 *     <ul>
 *       <li>update operators ({@code $v:1} or no {@code $v}): {@code $set} and {@code $unset} (the only operators
 *           the server logs), applied as an update with upsert, like the server's {@code applyOps}. FerretDB logs
 *           every update as {@code {"$v":1,"$set":<whole new document, _id included>}}; a {@code $set} that is the
 *           only operator and carries the document's own {@code _id} is such a whole document (the server never
 *           logs {@code _id} in {@code $set}), and it replaces the document, so fields the update removed go
 *           too. Other operators fail;</li>
 *       <li>{@code {"$v":2,"diff":{...}}} (MongoDB 5+ delta): the current document is read, the diff applied in
 *           Java ({@link UpdateDiff}: {@code u}/{@code i}/{@code d}, nested {@code s<field>} sub-diffs, array
 *           diffs {@code a:true} with {@code u<N>}/{@code s<N>}/{@code l}), and the result written back with
 *           replaceOne (upsert; a missing document is diffed from {@code {_id}}, as the server does);</li>
 *       <li>a replacement document (no {@code $} keys): replaceOne by {@code _id}, upsert.</li>
 *     </ul></li>
 *   <li>{@code d}: delete the document with {@code o._id} (nothing to delete is fine).</li>
 *   <li>{@code n}: no-op, skipped.</li>
 *   <li>{@code c}, commands on {@code <db>.$cmd}:
 *     <ul>
 *       <li>{@code create}: with its options as logged except {@code idIndex}, {@code autoIndexId} and
 *           {@code flags}; an existing collection is kept. Time-series collections (and their views) are skipped,
 *           as {@link DriverRestore} skips them;</li>
 *       <li>{@code drop};</li>
 *       <li>{@code createIndexes} (the entry is one flattened index spec) and {@code commitIndexBuild} (MongoDB
 *           4.4+ two-phase builds: the {@code indexes} it lists); specs are passed on minus {@code v} and
 *           {@code ns}. An existing index of the same name or key with other options was replaced later in the
 *           source, so it is dropped and the logged one created. {@code startIndexBuild} and
 *           {@code abortIndexBuild} are skipped;</li>
 *       <li>{@code dropIndexes} / {@code deleteIndexes}: by name, key pattern, list of names or {@code "*"}; an
 *           index or collection that is already gone is fine;</li>
 *       <li>{@code dropDatabase}: drops the target database when every namespace is restored (empty
 *           {@code nsInclude}), otherwise only the target collections of that database that {@code nsInclude}
 *           selects;</li>
 *       <li>{@code renameCollection} (honouring {@code dropTarget}): renamed when both names are restored; when
 *           only the source is, the collection leaves the restored set and is dropped; when only the destination
 *           is, the replay fails (its documents come from a namespace that was not restored);</li>
 *       <li>{@code applyOps}: each nested operation is applied with these same rules, at the entry's ts.
 *           Transactions are logged this way. A transaction spread over several entries ({@code partialTxn: true}
 *           parts, then a last entry with {@code count}), or prepared ({@code prepare: true}, later
 *           {@code commitTransaction} or {@code abortTransaction}), is held in memory, keyed by
 *           {@code lsid}+{@code txnNumber}, and applied at its commit entry, only if that entry is inside the
 *           window: a point in time never shows half a transaction. A commit whose earlier parts precede the file
 *           fails the replay. {@code commitTransaction}/{@code abortTransaction} entries are counted as skipped;</li>
 *       <li>any other command fails the replay, naming the command and the ts, unless it acts on a database or
 *           collection (the command's string argument) that is not restored.</li>
 *     </ul></li>
 * </ul>
 *
 * <h2>Namespaces</h2>
 * {@link RestoreOptions#nsInclude()} selects the entries' namespaces (the source names) as for
 * {@link DriverRestore}, and {@link RestoreOptions#dbPrefix()} is prepended to every target database.
 * {@link RestoreOptions#excludeDatabases()} are never replayed. {@link RestoreOptions#drop()} does not apply here: the caller
 * checks or drops every namespace the replay writes before anything is written ({@link RestoreNamespaces}, as
 * {@link PointInTimeRestore} does). Entries on {@code admin}, {@code config}, {@code local} and on
 * {@code system.*} collections (except {@code system.js}) are skipped; the server's temporary collections of
 * {@code $out} and mapReduce ({@code tmp.agg_out.*}, {@code tmp.mr.*}) are always replayed, so that the rename
 * that publishes their result works whatever {@code nsInclude} says.
 *
 * <p>Failures: {@link RestoreException} for an entry that cannot be replayed or that the server rejects (message
 * with the file, ts, op and namespace), {@link UncheckedIOException} when the file cannot be read. Operations are
 * applied one by one and are not rolled back on failure.
 */
public final class OplogApplier {

    private static final Set<String> SYSTEM_DATABASES = Namespaces.SYSTEM_DATABASES;
    private static final Set<String> DROPPED_CREATE_FIELDS = Set.of("create", "idIndex", "autoIndexId", "flags");
    private static final Set<String> DROPPED_INDEX_FIELDS = Set.of("v", "ns");

    private static final int NAMESPACE_NOT_FOUND = 26;
    private static final int INDEX_NOT_FOUND = 27;
    private static final int NAMESPACE_EXISTS = 48;
    private static final int INDEX_OPTIONS_CONFLICT = 85;
    private static final int INDEX_KEY_SPECS_CONFLICT = 86;

    private static final ReplaceOptions UPSERT_REPLACE = new ReplaceOptions().upsert(true).bypassDocumentValidation(true);
    private static final UpdateOptions UPSERT_UPDATE = new UpdateOptions().upsert(true).bypassDocumentValidation(true);

    private final MongoClient target;
    private final RestoreOptions options;
    private final Namespaces.Filter filter;

    /**
     * @param options {@code nsInclude}, {@code excludeDatabases} and {@code dbPrefix} apply to the oplog entries;
     *     {@code drop} does not (see {@link RestoreNamespaces})
     */
    public OplogApplier(MongoClient target, RestoreOptions options) {
        this.target = Objects.requireNonNull(target, "target");
        this.options = Objects.requireNonNull(options, "options");
        this.filter = Namespaces.Filter.of(options);
    }

    /**
     * Applies the entries of {@code oplogBson} with {@code after < ts <= until} (either bound nullable) in file
     * order.
     *
     * @throws IllegalArgumentException when {@code until} is before {@code after}
     * @throws RestoreException         when an entry cannot be replayed (see the class description)
     * @throws UncheckedIOException     when the file cannot be read
     */
    public OplogReplayResult apply(Path oplogBson, OplogPosition after, OplogPosition until) {
        Objects.requireNonNull(oplogBson, "oplogBson");
        if (after != null && until != null && until.compareTo(after) < 0) {
            throw new IllegalArgumentException("until " + until + " is before after " + after);
        }
        Replay replay = new Replay(oplogBson.getFileName() == null ? oplogBson.toString() : oplogBson.getFileName().toString());
        org.ipfsbackup.observe.ProgressReporter progress = null;
        try (BsonFileReader reader = new BsonFileReader(oplogBson)) {
            // bytes of the file read (the entries are not counted up front), with the entries applied so far
            progress = org.ipfsbackup.observe.ProgressReporter.start("oplog replay of " + replay.file,
                    org.ipfsbackup.observe.ProgressReporter.Unit.BYTES, java.nio.file.Files.size(oplogBson))
                    .detail(() -> ", " + replay.applied + " entries applied, " + replay.skipped + " skipped");
            OplogPosition previous = null;
            long offset = 0;
            for (RawBsonDocument entry; (entry = reader.read()) != null; offset = reader.bytesRead()) {
                BsonValue tsValue = entry.get("ts");
                if (!(tsValue instanceof BsonTimestamp timestamp)) {
                    throw new RestoreException(replay.file + ": oplog entry at byte offset " + offset
                            + " has no ts timestamp");
                }
                OplogPosition ts = OplogPosition.of(timestamp);
                if (previous != null && ts.compareTo(previous) <= 0) {
                    throw new RestoreException(replay.file + ": oplog entries are not in ascending ts order: ts " + ts
                            + " at byte offset " + offset + " follows ts " + previous);
                }
                previous = ts;
                if (until != null && ts.compareTo(until) > 0) {
                    break;
                }
                replay.entry(entry, ts, after == null || ts.compareTo(after) > 0);
                progress.update(reader.bytesRead());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + oplogBson + " failed: " + e.getMessage(), e);
        } finally {
            if (progress != null) {
                progress.finish();
            }
        }
        return replay.finish();
    }

    /** The parts of a transaction logged before its commit. */
    private static final class PendingTransaction {
        final List<BsonArray> parts = new ArrayList<>();
        long operationsInWindow;
    }

    private record Namespace(String db, String collection) {
        @Override
        public String toString() {
            return db + "." + collection;
        }
    }

    /** State of one {@link #apply} call. */
    private final class Replay {
        final String file;
        long applied;
        long skipped;
        OplogPosition first;
        OplogPosition last;
        final Map<String, Long> byOperation = new TreeMap<>();
        final Map<String, PendingTransaction> pending = new LinkedHashMap<>();
        final Set<String> validatedDatabases = new HashSet<>();
        /** ts, op and namespace of the entry being applied, for messages. */
        String context = "";

        Replay(String file) {
            this.file = file;
        }

        OplogReplayResult finish() {
            for (PendingTransaction transaction : pending.values()) {
                skipped += transaction.operationsInWindow; // not committed within the window
            }
            return new OplogReplayResult(applied, skipped, first, last, byOperation);
        }

        void entry(RawBsonDocument entry, OplogPosition ts, boolean inWindow) {
            context = "entry at ts " + ts;
            if (inWindow) {
                if (first == null) {
                    first = ts;
                }
                last = ts;
            }
            String op = string(entry, "op");
            context = "entry at ts " + ts + " (op '" + op + "' on " + nsForMessage(entry) + ")";
            if (op.equals("c")) {
                BsonDocument o = document(entry, "o");
                switch (commandName(o)) {
                    case "applyOps" -> {
                        transactionPart(entry, o, inWindow);
                        return;
                    }
                    case "commitTransaction" -> {
                        commitPrepared(entry, inWindow);
                        return;
                    }
                    case "abortTransaction" -> {
                        abortPrepared(entry, inWindow);
                        return;
                    }
                    default -> {
                    }
                }
            }
            if (inWindow) {
                operation(entry);
            }
        }

        // ---- transactions -------------------------------------------------------------------------------------

        private void transactionPart(BsonDocument entry, BsonDocument o, boolean inWindow) {
            BsonArray operations = array(o, "applyOps");
            String key = transactionKey(entry);
            if (flag(o, "partialTxn") || flag(o, "prepare")) {
                if (key == null) {
                    throw fail("a transaction part (partialTxn or prepare) without lsid and txnNumber");
                }
                PendingTransaction transaction = pending.computeIfAbsent(key, k -> new PendingTransaction());
                transaction.parts.add(operations);
                if (inWindow) {
                    transaction.operationsInWindow += operations.size();
                }
                return;
            }
            PendingTransaction transaction = key == null ? null : pending.remove(key);
            List<BsonArray> parts = new ArrayList<>();
            if (transaction != null) {
                parts.addAll(transaction.parts);
            }
            parts.add(operations);
            if (!inWindow) {
                return; // committed at or before 'after': already part of the base state
            }
            BsonValue count = o.get("count");
            if (count != null) {
                long total = parts.stream().mapToLong(BsonArray::size).sum();
                if (!count.isNumber() || count.asNumber().longValue() != total) {
                    throw fail("this transaction commit has count " + (count.isNumber() ? count.asNumber().longValue() : count)
                            + " operations but only " + total + " of them are in the file (its first parts precede it)");
                }
            }
            parts.forEach(this::applyOps);
        }

        private void commitPrepared(BsonDocument entry, boolean inWindow) {
            String key = transactionKey(entry);
            PendingTransaction transaction = key == null ? null : pending.remove(key);
            if (!inWindow) {
                return;
            }
            skipped++; // the control entry itself
            if (transaction == null) {
                throw fail("commitTransaction of a prepared transaction whose operations are not in the file"
                        + " (prepared before it)");
            }
            transaction.parts.forEach(this::applyOps);
        }

        private void abortPrepared(BsonDocument entry, boolean inWindow) {
            String key = transactionKey(entry);
            PendingTransaction transaction = key == null ? null : pending.remove(key);
            if (inWindow) {
                skipped += 1 + (transaction == null ? 0 : transaction.operationsInWindow);
            }
        }

        private void applyOps(BsonArray operations) {
            String outer = context;
            for (BsonValue operation : operations) {
                if (!operation.isDocument()) {
                    throw fail("applyOps holds a non-document: " + operation);
                }
                context = outer + ", nested op '" + stringOrNull(operation.asDocument(), "op") + "' on "
                        + nsForMessage(operation.asDocument());
                operation(operation.asDocument());
            }
            context = outer;
        }

        // ---- operations ---------------------------------------------------------------------------------------

        private void operation(BsonDocument op) {
            String kind = string(op, "op");
            switch (kind) {
                case "n", "db" -> skipped++;
                case "i", "u", "d" -> crud(kind, op);
                case "c" -> command(op);
                default -> throw fail("unknown op '" + kind + "'");
            }
        }

        private void crud(String kind, BsonDocument op) {
            Namespace ns = namespace(string(op, "ns"));
            if (!included(ns)) {
                skipped++;
                return;
            }
            MongoCollection<BsonDocument> coll = database(ns.db()).getCollection(ns.collection(), BsonDocument.class);
            try {
                switch (kind) {
                    case "i" -> insert(coll, document(op, "o"));
                    case "u" -> update(coll, document(op, "o2"), document(op, "o"));
                    default -> coll.deleteOne(new BsonDocument("_id", id(document(op, "o"), "o")));
                }
            } catch (MongoException e) {
                throw fail("the target rejected it: " + e.getMessage(), e);
            }
            count(switch (kind) {
                case "i" -> "insert";
                case "u" -> "update";
                default -> "delete";
            });
        }

        private void insert(MongoCollection<BsonDocument> coll, BsonDocument o) {
            coll.replaceOne(new BsonDocument("_id", id(o, "o")), o, UPSERT_REPLACE);
        }

        private void update(MongoCollection<BsonDocument> coll, BsonDocument o2, BsonDocument o) {
            BsonValue id = id(o2, "o2");
            BsonDocument filter = new BsonDocument("_id", id);
            BsonValue version = o.get("$v");
            if (version != null && !(version.isNumber() && (version.asNumber().doubleValue() == 1
                    || version.asNumber().doubleValue() == 2))) {
                throw fail("unsupported update format " + new BsonDocument("$v", version).toJson());
            }
            if (version != null && version.asNumber().intValue() == 2) {
                BsonValue diff = o.get("diff");
                if (diff == null || !diff.isDocument() || o.size() != 2) {
                    throw fail("a $v:2 update must be {$v: 2, diff: {...}}, got " + o.toJson());
                }
                BsonDocument current = coll.find(filter).first();
                BsonDocument post;
                try {
                    post = UpdateDiff.apply(current != null ? current : new BsonDocument("_id", id), decode(diff.asDocument()));
                } catch (IllegalArgumentException e) {
                    throw fail("invalid $v:2 diff: " + e.getMessage());
                }
                coll.replaceOne(filter, post, UPSERT_REPLACE);
                return;
            }
            BsonDocument operators = new BsonDocument();
            BsonDocument fields = new BsonDocument();
            for (Map.Entry<String, BsonValue> e : o.entrySet()) {
                if (!e.getKey().equals("$v")) {
                    (e.getKey().startsWith("$") ? operators : fields).append(e.getKey(), e.getValue());
                }
            }
            if (operators.isEmpty()) {
                coll.replaceOne(filter, fields, UPSERT_REPLACE); // a replacement document
                return;
            }
            if (!fields.isEmpty()) {
                throw fail("an update mixes operators and fields: " + o.toJson());
            }
            for (String operator : operators.keySet()) {
                if (!operator.equals("$set") && !operator.equals("$unset")) {
                    throw fail("unsupported update operator " + operator + " in " + o.toJson());
                }
                if (!operators.get(operator).isDocument()) {
                    throw fail(operator + " must be a document: " + o.toJson());
                }
            }
            BsonValue set = operators.get("$set");
            if (operators.size() == 1 && set != null && id.equals(set.asDocument().get("_id"))) {
                coll.replaceOne(filter, set.asDocument(), UPSERT_REPLACE); // FerretDB: the whole new document
                return;
            }
            coll.updateOne(filter, operators, UPSERT_UPDATE);
        }

        // ---- commands -----------------------------------------------------------------------------------------

        private void command(BsonDocument op) {
            String ns = string(op, "ns");
            int dot = ns.indexOf('.');
            if (dot <= 0) {
                throw fail("command namespace must look like <db>.$cmd, got '" + ns + "'");
            }
            String db = ns.substring(0, dot);
            BsonDocument o = document(op, "o");
            String name = commandName(o);
            try {
                switch (name) {
                    case "applyOps" -> applyOps(array(o, "applyOps"));
                    case "create" -> create(db, o);
                    case "drop" -> drop(db, o);
                    case "createIndexes" -> createIndexes(db, o);
                    case "commitIndexBuild" -> commitIndexBuild(db, o);
                    case "dropIndexes", "deleteIndexes" -> dropIndexes(db, name, o);
                    case "dropDatabase" -> dropDatabase(db);
                    case "renameCollection" -> renameCollection(o);
                    case "startIndexBuild", "abortIndexBuild", "commitTransaction", "abortTransaction" -> skipped++;
                    default -> unknownCommand(db, name, o);
                }
            } catch (MongoException e) {
                throw fail(name + " was rejected by the target: " + e.getMessage(), e);
            }
        }

        private void create(String db, BsonDocument o) {
            Namespace ns = new Namespace(db, collectionArgument(o, "create"));
            BsonValue viewOn = o.get("viewOn");
            boolean timeSeries = o.containsKey("timeseries")
                    || (viewOn != null && viewOn.isString() && viewOn.asString().getValue().startsWith("system.buckets."));
            if (!included(ns) || timeSeries) {
                skipped++;
                return;
            }
            BsonDocument command = new BsonDocument("create", new BsonString(ns.collection()));
            o.forEach((key, value) -> {
                if (!DROPPED_CREATE_FIELDS.contains(key)) {
                    command.append(key, value);
                }
            });
            try {
                database(db).runCommand(command);
            } catch (MongoCommandException e) {
                if (e.getErrorCode() != NAMESPACE_EXISTS) {
                    throw e;
                }
            }
            count("create");
        }

        private void drop(String db, BsonDocument o) {
            Namespace ns = new Namespace(db, collectionArgument(o, "drop"));
            if (!included(ns)) {
                skipped++;
                return;
            }
            database(db).getCollection(ns.collection()).drop();
            count("drop");
        }

        private void createIndexes(String db, BsonDocument o) {
            Namespace ns = new Namespace(db, collectionArgument(o, "createIndexes"));
            if (!included(ns)) {
                skipped++;
                return;
            }
            BsonDocument spec = indexSpec(o);
            spec.remove("createIndexes");
            buildIndexes(ns, List.of(spec));
            count("createIndexes");
        }

        private void commitIndexBuild(String db, BsonDocument o) {
            Namespace ns = new Namespace(db, collectionArgument(o, "commitIndexBuild"));
            if (!included(ns)) {
                skipped++;
                return;
            }
            List<BsonDocument> specs = new ArrayList<>();
            for (BsonValue spec : array(o, "indexes")) {
                if (!spec.isDocument()) {
                    throw fail("commitIndexBuild indexes must be documents: " + o.toJson());
                }
                specs.add(indexSpec(spec.asDocument()));
            }
            buildIndexes(ns, specs);
            count("commitIndexBuild");
        }

        private BsonDocument indexSpec(BsonDocument logged) {
            BsonDocument spec = new BsonDocument();
            logged.forEach((key, value) -> {
                if (!DROPPED_INDEX_FIELDS.contains(key)) {
                    spec.append(key, value);
                }
            });
            return spec;
        }

        private void buildIndexes(Namespace ns, List<BsonDocument> specs) {
            MongoDatabase database = database(ns.db());
            BsonDocument command = new BsonDocument("createIndexes", new BsonString(ns.collection()))
                    .append("indexes", new BsonArray(specs));
            try {
                database.runCommand(command);
            } catch (MongoCommandException e) {
                if (e.getErrorCode() != INDEX_OPTIONS_CONFLICT && e.getErrorCode() != INDEX_KEY_SPECS_CONFLICT) {
                    throw e;
                }
                // An index of that name or key exists with other options: the source replaced it later in the
                // window (replay meets later states), so make way for the logged one.
                MongoCollection<BsonDocument> coll = database.getCollection(ns.collection(), BsonDocument.class);
                for (BsonDocument existing : coll.listIndexes(BsonDocument.class)) {
                    String name = existing.getString("name", new BsonString("")).getValue();
                    if (name.equals("_id_")) {
                        continue;
                    }
                    boolean conflicts = specs.stream().anyMatch(spec -> name.equals(stringOrNull(spec, "name"))
                            || Objects.equals(existing.get("key"), spec.get("key")));
                    if (conflicts) {
                        coll.dropIndex(name);
                    }
                }
                database.runCommand(command);
            }
        }

        private void dropIndexes(String db, String name, BsonDocument o) {
            Namespace ns = new Namespace(db, collectionArgument(o, name));
            if (!included(ns)) {
                skipped++;
                return;
            }
            BsonValue index = o.get("index");
            if (index == null) {
                throw fail(name + " without an index: " + o.toJson());
            }
            try {
                database(db).runCommand(new BsonDocument("dropIndexes", new BsonString(ns.collection())).append("index", index));
            } catch (MongoCommandException e) {
                if (e.getErrorCode() != INDEX_NOT_FOUND && e.getErrorCode() != NAMESPACE_NOT_FOUND) {
                    throw e;
                }
            }
            count("dropIndexes");
        }

        private void dropDatabase(String db) {
            if (SYSTEM_DATABASES.contains(db) || filter.excludesDatabase(db)) {
                skipped++;
                return;
            }
            MongoDatabase database = database(db);
            if (options.nsInclude().isEmpty()) {
                database.drop();
            } else {
                for (String collection : database.listCollectionNames().into(new ArrayList<>())) {
                    if (included(new Namespace(db, collection))) {
                        database.getCollection(collection).drop();
                    }
                }
            }
            count("dropDatabase");
        }

        private void renameCollection(BsonDocument o) {
            Namespace from = namespace(stringArgument(o, "renameCollection"));
            Namespace to = namespace(stringArgument(o, "to"));
            BsonValue dropTarget = o.get("dropTarget");
            // dropTarget is a boolean, or (4.2+) the UUID of the collection it dropped
            boolean drop = dropTarget != null && (dropTarget.isBinary() || (dropTarget.isBoolean() && dropTarget.asBoolean().getValue()));
            boolean fromIncluded = included(from);
            boolean toIncluded = included(to);
            if (!fromIncluded && !toIncluded) {
                skipped++;
                return;
            }
            if (!fromIncluded) {
                throw fail("renameCollection moves " + from + ", which is not restored, into " + to
                        + ", which is: its documents are not in the replay");
            }
            MongoCollection<BsonDocument> source = database(from.db()).getCollection(from.collection(), BsonDocument.class);
            if (toIncluded) {
                database(to.db()); // validates the target database name
                source.renameCollection(new MongoNamespace(options.dbPrefix() + to.db(), to.collection()),
                        new RenameCollectionOptions().dropTarget(drop));
            } else {
                source.drop(); // it leaves the restored namespaces
            }
            count("renameCollection");
        }

        private void unknownCommand(String db, String name, BsonDocument o) {
            BsonValue argument = o.get(name);
            if (SYSTEM_DATABASES.contains(db)
                    || (argument.isString() && !included(new Namespace(db, argument.asString().getValue())))) {
                skipped++;
                return;
            }
            throw fail("unsupported oplog command '" + name + "': the driver engine cannot replay it ("
                    + o.toJson() + ")");
        }

        // ---- helpers ------------------------------------------------------------------------------------------

        private boolean included(Namespace ns) {
            return Namespaces.replayed(ns.db(), ns.collection(), filter);
        }

        private MongoDatabase database(String sourceDb) {
            String targetDb = options.dbPrefix() + sourceDb;
            if (validatedDatabases.add(targetDb)) {
                try {
                    Namespaces.requireValidDatabaseName(targetDb);
                } catch (IllegalArgumentException e) {
                    validatedDatabases.remove(targetDb);
                    throw fail(e.getMessage());
                }
            }
            return target.getDatabase(targetDb);
        }

        private Namespace namespace(String ns) {
            int dot = ns.indexOf('.');
            if (dot <= 0 || dot == ns.length() - 1) {
                throw fail("namespace must look like <db>.<collection>, got '" + ns + "'");
            }
            return new Namespace(ns.substring(0, dot), ns.substring(dot + 1));
        }

        private void count(String operation) {
            applied++;
            byOperation.merge(operation, 1L, Long::sum);
        }

        private String commandName(BsonDocument o) {
            if (o.isEmpty()) {
                throw fail("empty command");
            }
            return o.getFirstKey();
        }

        private String collectionArgument(BsonDocument o, String name) {
            String value = stringArgument(o, name);
            if (value.isEmpty()) {
                throw fail(name + " with an empty collection name");
            }
            return value;
        }

        private String stringArgument(BsonDocument o, String name) {
            BsonValue value = o.get(name);
            if (value == null || !value.isString()) {
                throw fail(name + " must name a collection: " + o.toJson());
            }
            return value.asString().getValue();
        }

        private String string(BsonDocument doc, String field) {
            BsonValue value = doc.get(field);
            if (value == null || !value.isString()) {
                throw fail("missing or non-string field '" + field + "'");
            }
            return value.asString().getValue();
        }

        private BsonDocument document(BsonDocument doc, String field) {
            BsonValue value = doc.get(field);
            if (value == null || !value.isDocument()) {
                throw fail("missing or non-document field '" + field + "'");
            }
            return value.asDocument();
        }

        private BsonArray array(BsonDocument doc, String field) {
            BsonValue value = doc.get(field);
            if (value == null || !value.isArray()) {
                throw fail("missing or non-array field '" + field + "'");
            }
            return value.asArray();
        }

        private BsonValue id(BsonDocument doc, String field) {
            BsonValue id = doc.get("_id");
            if (id == null) {
                throw fail(field + " has no _id");
            }
            return id;
        }

        private RestoreException fail(String message) {
            return new RestoreException(file + ": " + context + ": " + message);
        }

        private RestoreException fail(String message, Throwable cause) {
            return new RestoreException(file + ": " + context + ": " + message, cause);
        }
    }

    private static String transactionKey(BsonDocument entry) {
        BsonValue lsid = entry.get("lsid");
        BsonValue txnNumber = entry.get("txnNumber");
        if (lsid == null || !lsid.isDocument() || txnNumber == null || !txnNumber.isNumber()) {
            return null;
        }
        return lsid.asDocument().toJson() + "#" + txnNumber.asNumber().longValue();
    }

    private static boolean flag(BsonDocument doc, String field) {
        BsonValue value = doc.get(field);
        return value != null && value.isBoolean() && value.asBoolean().getValue();
    }

    private static String stringOrNull(BsonDocument doc, String field) {
        BsonValue value = doc.get(field);
        return value != null && value.isString() ? value.asString().getValue() : null;
    }

    private static String nsForMessage(BsonDocument entry) {
        String ns = stringOrNull(entry, "ns");
        return ns == null ? "?" : ns;
    }

    private static BsonDocument decode(BsonDocument doc) {
        return doc instanceof RawBsonDocument raw ? raw.decode(new BsonDocumentCodec()) : doc;
    }
}
