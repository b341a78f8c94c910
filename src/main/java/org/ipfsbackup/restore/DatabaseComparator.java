package org.ipfsbackup.restore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

import com.mongodb.MongoInternalException;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Collation;

import org.ipfsbackup.dump.BatchSizes;

/**
 * Proves that a restore is exact: compares the same databases on two servers.
 *
 * <ul>
 *   <li>collections and views by name ({@code system.*} other than {@code system.js} is ignored), their type
 *       and their creation options;</li>
 *   <li>every document, as raw BSON bytes, paired by {@code _id}: both sides are streamed sorted by {@code _id}
 *       (binary collation) and merged, so memory does not grow with the collection; a document only on one
 *       side, or whose bytes differ (field order and numeric types included), is a difference;</li>
 *   <li>index specs by name: key (in order), unique, sparse, partialFilterExpression, expireAfterSeconds,
 *       collation and any other option; {@code v}, {@code ns} and the obsolete {@code background} flag are
 *       ignored, {@code unique: false}/{@code sparse: false} count as absent, and numbers in {@code key} and
 *       {@code expireAfterSeconds} compare by value ({@code 1} equals {@code 1.0}).</li>
 * </ul>
 * Differences name the namespace (and {@code _id}); the first {@value #MAX_DIFFERENCES} are listed and the
 * rest counted in a final line.
 */
public final class DatabaseComparator {

    public static final int MAX_DIFFERENCES = 100;

    private static final Set<String> IGNORED_INDEX_FIELDS = Set.of("v", "ns", "background");
    private static final Set<String> FALSE_MEANS_ABSENT = Set.of("unique", "sparse");
    private static final JsonWriterSettings JSON = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();
    private static final int MAX_VALUE_TEXT = 120;
    private static final BsonString COLLECTION = new BsonString("collection");
    private static final BsonString VIEW = new BsonString("view");

    private DatabaseComparator() {
    }

    public static CompareResult compare(MongoClient source, MongoClient target, List<String> databases) {
        return compare(source, target, databases, MAX_DIFFERENCES);
    }

    public static CompareResult compare(MongoClient source, MongoClient target, List<String> databases, int maxDifferences) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Differences diffs = new Differences(maxDifferences);
        int collections = 0;
        long documents = 0;
        for (String dbName : databases) {
            MongoDatabase sourceDb = source.getDatabase(dbName);
            MongoDatabase targetDb = target.getDatabase(dbName);
            Map<String, BsonDocument> sourceInfo = collectionInfos(sourceDb);
            Map<String, BsonDocument> targetInfo = collectionInfos(targetDb);
            Set<String> names = new TreeSet<>(sourceInfo.keySet());
            names.addAll(targetInfo.keySet());
            for (String name : names) {
                String ns = dbName + "." + name;
                BsonDocument s = sourceInfo.get(name);
                BsonDocument t = targetInfo.get(name);
                if (t == null) {
                    diffs.add(ns + ": missing on target");
                    collections++;
                    continue;
                }
                if (s == null) {
                    diffs.add(ns + ": on target only (extra)");
                    continue;
                }
                collections++;
                BsonValue sourceType = s.get("type", COLLECTION);
                BsonValue targetType = t.get("type", COLLECTION);
                if (!sourceType.equals(targetType)) {
                    diffs.add(ns + ": type differs: source " + text(sourceType) + ", target " + text(targetType));
                    continue;
                }
                BsonDocument sourceOptions = s.getDocument("options", new BsonDocument());
                BsonDocument targetOptions = t.getDocument("options", new BsonDocument());
                if (!sourceOptions.equals(targetOptions)) {
                    diffs.add(ns + ": options differ: source " + json(sourceOptions) + ", target " + json(targetOptions));
                }
                if (sourceType.equals(VIEW)) {
                    continue;
                }
                compareIndexes(ns, sourceDb.getCollection(name, BsonDocument.class),
                        targetDb.getCollection(name, BsonDocument.class), diffs);
                boolean simpleCollation = !sourceOptions.containsKey("collation") && !targetOptions.containsKey("collation");
                documents += compareDocuments(ns, sourceDb, targetDb, name, simpleCollation, diffs);
            }
        }
        return new CompareResult(collections, documents, diffs.list());
    }

    private static Map<String, BsonDocument> collectionInfos(MongoDatabase db) {
        Map<String, BsonDocument> result = new TreeMap<>();
        for (BsonDocument info : db.listCollections(BsonDocument.class)) {
            String name = info.getString("name").getValue();
            if (!Namespaces.isSystemCollection(name)) {
                result.put(name, info);
            }
        }
        return result;
    }

    // ---- documents -----------------------------------------------------------------------------------------

    /**
     * {@link #mergeDocuments} in batches bounded by size ({@link BatchSizes}); when a server's reply is refused as too
     * long, the collection is compared again from the start with smaller batches and the differences found so far in
     * it are dropped.
     */
    private static long compareDocuments(String ns, MongoDatabase sourceDb, MongoDatabase targetDb, String name,
            boolean simpleCollation, Differences diffs) {
        int sourceBatch = BatchSizes.forCollection(sourceDb, name);
        int targetBatch = BatchSizes.forCollection(targetDb, name);
        Differences.Mark mark = diffs.mark();
        while (true) {
            try (MongoCursor<RawBsonDocument> s = sortedById(sourceDb.getCollection(name, RawBsonDocument.class), simpleCollation, sourceBatch);
                 MongoCursor<RawBsonDocument> t = sortedById(targetDb.getCollection(name, RawBsonDocument.class), simpleCollation, targetBatch)) {
                return mergeDocuments(ns, s, t, diffs);
            } catch (MongoInternalException e) {
                OptionalInt s = BatchSizes.afterOverflow(sourceBatch, e);
                OptionalInt t = BatchSizes.afterOverflow(targetBatch, e);
                if (s.isEmpty() && t.isEmpty()) {
                    throw e;
                }
                // either side may have sent it: both read again in smaller batches
                sourceBatch = s.orElse(sourceBatch);
                targetBatch = t.orElse(targetBatch);
                diffs.reset(mark);
            }
        }
    }

    /** Merge-join of both sides sorted by _id. Returns the number of source documents. */
    private static long mergeDocuments(String ns, MongoCursor<RawBsonDocument> source, MongoCursor<RawBsonDocument> target,
            Differences diffs) {
        long count = 0;
        try (IdCursor s = new IdCursor(ns, "source", source);
             IdCursor t = new IdCursor(ns, "target", target)) {
            s.advance();
            t.advance();
            while (s.current != null || t.current != null) {
                int order = s.current == null ? 1 : t.current == null ? -1 : BsonValueOrder.INSTANCE.compare(s.id, t.id);
                if (order < 0) {
                    diffs.add(ns + " _id=" + text(s.id) + ": missing on target");
                    count++;
                    s.advance();
                } else if (order > 0) {
                    diffs.add(ns + " _id=" + text(t.id) + ": on target only (extra)");
                    t.advance();
                } else {
                    if (!s.current.getByteBuffer().asNIO().equals(t.current.getByteBuffer().asNIO())) {
                        diffs.add(ns + " _id=" + text(s.id) + ": document differs: " + describe(s.current, t.current));
                    }
                    count++;
                    s.advance();
                    t.advance();
                }
            }
        }
        return count;
    }

    private static MongoCursor<RawBsonDocument> sortedById(MongoCollection<RawBsonDocument> coll, boolean simpleCollation,
            int batchSize) {
        FindIterable<RawBsonDocument> find = coll.find().sort(new BsonDocument("_id", new BsonInt32(1))).batchSize(batchSize);
        if (!simpleCollation) {
            // the _id index follows the collection's collation; binary order needs the simple one (and a sort)
            find = find.collation(Collation.builder().locale("simple").build()).allowDiskUse(true);
        }
        return find.iterator();
    }

    /** A cursor that checks the server really returns strictly increasing _ids, as the merge relies on it. */
    private static final class IdCursor implements AutoCloseable {
        private final String ns;
        private final String side;
        private final MongoCursor<RawBsonDocument> cursor;
        RawBsonDocument current;
        BsonValue id;

        IdCursor(String ns, String side, MongoCursor<RawBsonDocument> cursor) {
            this.ns = ns;
            this.side = side;
            this.cursor = cursor;
        }

        void advance() {
            BsonValue previous = id;
            current = cursor.hasNext() ? cursor.next() : null;
            id = null;
            if (current == null) {
                return;
            }
            id = current.get("_id");
            if (id == null) {
                throw new IllegalStateException(ns + ": a " + side + " document has no _id; cannot compare by _id");
            }
            if (previous != null && BsonValueOrder.INSTANCE.compare(previous, id) >= 0) {
                throw new IllegalStateException(ns + ": the " + side + " server returned _id " + text(id) + " after "
                        + text(previous) + "; its _id order disagrees with MongoDB's, cannot compare");
            }
        }

        @Override
        public void close() {
            cursor.close();
        }
    }

    /**
     * Says which field makes two documents with the same _id differ: the dotted path into embedded documents and
     * arrays down to the first differing value, with both values, and their BSON types where the values print the
     * same (an int32 and an int64 of equal value).
     */
    static String describe(BsonDocument source, BsonDocument target) {
        String difference = describeFields("", source, target);
        return difference != null ? difference : "same fields and values but different bytes (encoding)";
    }

    private static String describeFields(String path, BsonDocument source, BsonDocument target) {
        Iterator<Map.Entry<String, BsonValue>> s = source.entrySet().iterator();
        Iterator<Map.Entry<String, BsonValue>> t = target.entrySet().iterator();
        while (s.hasNext() || t.hasNext()) {
            if (!t.hasNext()) {
                return "field '" + path + s.next().getKey() + "' missing on target";
            }
            if (!s.hasNext()) {
                return "field '" + path + t.next().getKey() + "' on target only";
            }
            Map.Entry<String, BsonValue> es = s.next();
            Map.Entry<String, BsonValue> et = t.next();
            if (!es.getKey().equals(et.getKey())) {
                return "field order or names differ" + (path.isEmpty() ? "" : " in '" + path.substring(0, path.length() - 1) + "'")
                        + ": source has '" + es.getKey() + "' where target has '" + et.getKey() + "'";
            }
            String difference = describeValues(path + es.getKey(), es.getValue(), et.getValue());
            if (difference != null) {
                return difference;
            }
        }
        return null;
    }

    private static String describeValues(String path, BsonValue source, BsonValue target) {
        if (source.isDocument() && target.isDocument()) {
            return describeFields(path + ".", source.asDocument(), target.asDocument());
        }
        if (source.isArray() && target.isArray() && source.asArray().size() == target.asArray().size()) {
            List<BsonValue> s = source.asArray().getValues();
            List<BsonValue> t = target.asArray().getValues();
            for (int i = 0; i < s.size(); i++) {
                String difference = describeValues(path + "." + i, s.get(i), t.get(i));
                if (difference != null) {
                    return difference;
                }
            }
            return null;
        }
        if (source.getBsonType() == target.getBsonType() && source.equals(target)) {
            return null;
        }
        String sourceText = text(source);
        String targetText = text(target);
        if (sourceText.equals(targetText) && source.getBsonType() != target.getBsonType()) {
            sourceText += " (" + typeName(source) + ")";
            targetText += " (" + typeName(target) + ")";
        }
        return "field '" + path + "' differs: source " + sourceText + ", target " + targetText;
    }

    /** The BSON type as the specification names it: int32, int64, double, decimal128, string, date_time, ... */
    private static String typeName(BsonValue value) {
        return value.getBsonType().name().toLowerCase(java.util.Locale.ROOT);
    }

    // ---- indexes -------------------------------------------------------------------------------------------

    private static void compareIndexes(String ns, MongoCollection<BsonDocument> source, MongoCollection<BsonDocument> target,
            Differences diffs) {
        Map<String, BsonDocument> s = indexSpecs(source);
        Map<String, BsonDocument> t = indexSpecs(target);
        Set<String> names = new TreeSet<>(s.keySet());
        names.addAll(t.keySet());
        for (String name : names) {
            BsonDocument x = s.get(name);
            BsonDocument y = t.get(name);
            if (y == null) {
                diffs.add(ns + ": index '" + name + "' missing on target");
            } else if (x == null) {
                diffs.add(ns + ": index '" + name + "' on target only (extra)");
            } else if (!sameIndex(x, y)) {
                diffs.add(ns + ": index '" + name + "' differs: source " + json(x) + ", target " + json(y));
            }
        }
    }

    private static Map<String, BsonDocument> indexSpecs(MongoCollection<BsonDocument> coll) {
        Map<String, BsonDocument> result = new TreeMap<>();
        for (BsonDocument spec : coll.listIndexes(BsonDocument.class)) {
            BsonDocument normalized = new BsonDocument();
            for (Map.Entry<String, BsonValue> field : spec.entrySet()) {
                String key = field.getKey();
                BsonValue value = field.getValue();
                if (IGNORED_INDEX_FIELDS.contains(key)
                        || FALSE_MEANS_ABSENT.contains(key) && value.isBoolean() && !value.asBoolean().getValue()) {
                    continue;
                }
                if (key.equals("key") && value.isDocument()) {
                    BsonDocument keyPattern = new BsonDocument();
                    value.asDocument().forEach((k, v) -> keyPattern.append(k, numberByValue(v)));
                    value = keyPattern;
                } else if (key.equals("expireAfterSeconds")) {
                    value = numberByValue(value);
                }
                normalized.append(key, value);
            }
            result.put(spec.getString("name").getValue(), normalized);
        }
        return result;
    }

    private static BsonValue numberByValue(BsonValue v) {
        return v.isNumber() ? new BsonDouble(v.asNumber().doubleValue())
                : v.isDecimal128() ? new BsonDouble(v.asDecimal128().getValue().doubleValue()) : v;
    }

    /** Equal specs, with the key pattern's field order significant (BsonDocument equality ignores order). */
    private static boolean sameIndex(BsonDocument x, BsonDocument y) {
        if (!x.equals(y)) {
            return false;
        }
        BsonValue kx = x.get("key");
        BsonValue ky = y.get("key");
        if (kx != null && kx.isDocument() && ky != null && ky.isDocument()) {
            return new ArrayList<>(kx.asDocument().keySet()).equals(new ArrayList<>(ky.asDocument().keySet()));
        }
        return true;
    }

    // ---- output --------------------------------------------------------------------------------------------

    private static String json(BsonDocument doc) {
        return abbreviate(doc.toJson(JSON));
    }

    static String text(BsonValue value) {
        String json = new BsonDocument("v", value).toJson(JSON);
        // {"v": <value>}
        return abbreviate(json.substring(6, json.length() - 1));
    }

    private static String abbreviate(String s) {
        return s.length() <= MAX_VALUE_TEXT ? s : s.substring(0, MAX_VALUE_TEXT) + "...";
    }

    private static final class Differences {
        private final int max;
        private final List<String> listed = new ArrayList<>();
        private long unlisted;

        Differences(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxDifferences must be at least 1, got " + max);
            }
            this.max = max;
        }

        record Mark(int listed, long unlisted) {
        }

        Mark mark() {
            return new Mark(listed.size(), unlisted);
        }

        /** Forgets the differences added since {@code mark}. */
        void reset(Mark mark) {
            listed.subList(mark.listed(), listed.size()).clear();
            unlisted = mark.unlisted();
        }

        void add(String difference) {
            if (listed.size() < max) {
                listed.add(difference);
            } else {
                unlisted++;
            }
        }

        List<String> list() {
            List<String> result = new ArrayList<>(listed);
            if (unlisted > 0) {
                result.add("... and " + unlisted + " more differences");
            }
            return result;
        }
    }
}
