package org.ipfsbackup.restore;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.InsertManyOptions;

/**
 * Test data for the restore tests, kept as Java values, that can be (a) written as a mongodump directory by
 * hand and (b) loaded into a "source" server directly through the driver, independently of {@link DriverRestore}.
 *
 * <p>Databases {@code shop} (orders, mixed, big, empty) and {@code crm} (customers, plus a view), an
 * {@code admin.system.users} collection that must be skipped and a top-level oplog.bson.
 */
final class DumpFixture {

    /** One collection: documents and secondary index specs (as listIndexes would show them, without v). */
    record Coll(String db, String name, List<RawBsonDocument> docs, List<BsonDocument> indexes) {
        String ns() {
            return db + "." + name;
        }
    }

    final Map<String, Coll> collections = new LinkedHashMap<>();

    DumpFixture() {
        add(new Coll("shop", "orders", orders(), List.of(
                index("orderNo_1", new BsonDocument("orderNo", new BsonInt32(1))).append("unique", BsonBoolean.TRUE),
                index("customer_1_createdAt_-1", new BsonDocument("customer", new BsonInt32(1)).append("createdAt", new BsonInt32(-1))),
                index("expiresAt_ttl", new BsonDocument("expiresAt", new BsonInt32(1))).append("expireAfterSeconds", new BsonInt32(3600)),
                index("coupon_sparse", new BsonDocument("coupon", new BsonInt32(1))).append("sparse", BsonBoolean.TRUE),
                index("open_by_total", new BsonDocument("total", new BsonInt32(-1)))
                        .append("partialFilterExpression", new BsonDocument("status", new BsonString("open"))))));
        add(new Coll("shop", "mixed", mixedIds(), List.of()));
        add(new Coll("shop", "big", big(2500, 16), List.of(index("n_1", new BsonDocument("n", new BsonInt32(1))))));
        add(new Coll("shop", "blobs", big(200, 100 * 1024), List.of()));
        add(new Coll("shop", "empty", List.of(), List.of()));
        add(new Coll("crm", "customers", customers(), List.of(
                index("email_1", new BsonDocument("email", new BsonInt32(1))).append("unique", BsonBoolean.TRUE)
                        .append("collation", new BsonDocument("locale", new BsonString("en")).append("strength", new BsonInt32(2))))));
    }

    private void add(Coll c) {
        collections.put(c.ns(), c);
    }

    Coll get(String ns) {
        return collections.get(ns);
    }

    static BsonDocument index(String name, BsonDocument key) {
        return new BsonDocument("key", key).append("name", new BsonString(name));
    }

    static RawBsonDocument raw(BsonDocument doc) {
        return new RawBsonDocument(doc, new BsonDocumentCodec());
    }

    private static List<RawBsonDocument> orders() {
        List<RawBsonDocument> docs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            BsonDocument d = new BsonDocument("_id", new BsonObjectId(new ObjectId(1_700_000_000 + i, i)))
                    .append("orderNo", new BsonInt32(1000 + i))
                    .append("customer", new BsonString(i % 2 == 0 ? "ana" : "björn 北京"))
                    .append("createdAt", new BsonDateTime(1_700_000_000_000L + i * 60_000L))
                    .append("expiresAt", new BsonDateTime(4_102_444_800_000L))
                    .append("total", new BsonDecimal128(Decimal128.parse(i + ".10")))
                    .append("weight", new BsonDouble(i * 0.25))
                    .append("items", new BsonArray(List.of(
                            new BsonDocument("sku", new BsonString("A-" + i)).append("qty", new BsonInt64(i * 1_000_000_000L)),
                            new BsonDocument("sku", new BsonString("B")).append("tags", new BsonArray(List.of(new BsonString("x"), BsonNull.VALUE))))))
                    .append("shipping", new BsonDocument("address", new BsonDocument("city", new BsonString("Zürich"))
                            .append("geo", new BsonArray(List.of(new BsonDouble(8.54), new BsonDouble(47.37))))))
                    .append("status", new BsonString(i % 3 == 0 ? "open" : "done"))
                    .append("note", BsonNull.VALUE)
                    .append("pattern", new BsonRegularExpression("^ord-" + i + "$", "i"))
                    .append("seen", new BsonTimestamp(1_700_000_000 + i, i + 1))
                    .append("payload", new BsonBinary(new byte[] {1, 2, 3, (byte) i}))
                    .append("trace", new BsonBinary(UUID.nameUUIDFromBytes(new byte[] {(byte) i})))
                    .append("legacyUuid", new BsonBinary(BsonBinarySubType.UUID_LEGACY, new byte[16]))
                    .append("lo", new BsonMinKey())
                    .append("hi", new BsonMaxKey())
                    .append("js", new BsonJavaScript("function() { return " + i + "; }"))
                    .append("flag", BsonBoolean.valueOf(i % 2 == 0));
            if (i % 5 == 0) {
                d.append("coupon", new BsonString("SAVE" + i));
            }
            docs.add(raw(d));
        }
        return docs;
    }

    /**
     * _ids of many types, in MongoDB's sort order (the comparator's merge must agree with the server). No NaN:
     * mongo-java-server sorts NaN after the other numbers, MongoDB before them.
     */
    private static List<RawBsonDocument> mixedIds() {
        List<BsonValue> ids = List.of(
                new BsonMinKey(),
                BsonNull.VALUE,
                new BsonInt32(-5),
                new BsonDouble(2.5),
                new BsonInt64(3),
                new BsonDecimal128(Decimal128.parse("3.5")),
                new BsonInt32(4),
                new BsonString("A"),
                new BsonString("a"),
                new BsonString("ä"),
                new BsonDocument("k", new BsonInt32(1)),
                new BsonDocument("k", new BsonInt32(2)),
                new BsonBinary(new byte[] {9}),
                new BsonBinary(new byte[] {1, 1}),
                new BsonObjectId(new ObjectId(1, 1)),
                new BsonObjectId(new ObjectId(2, 1)),
                BsonBoolean.FALSE,
                BsonBoolean.TRUE,
                new BsonDateTime(-1),
                new BsonDateTime(5),
                new BsonTimestamp(1, 1),
                new BsonMaxKey());
        List<RawBsonDocument> docs = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            docs.add(raw(new BsonDocument("_id", ids.get(i)).append("i", new BsonInt32(i))));
        }
        return docs;
    }

    /** Documents with a random binary payload, for insert batching by count and by bytes. */
    private static List<RawBsonDocument> big(int count, int payloadBytes) {
        Random random = new Random(3);
        List<RawBsonDocument> docs = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            byte[] blob = new byte[payloadBytes];
            random.nextBytes(blob);
            docs.add(raw(new BsonDocument("_id", new BsonInt32(n)).append("n", new BsonInt64(n)).append("blob", new BsonBinary(blob))));
        }
        return docs;
    }

    private static List<RawBsonDocument> customers() {
        List<RawBsonDocument> docs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            docs.add(raw(new BsonDocument("_id", new BsonBinary(UUID.nameUUIDFromBytes(("c" + i).getBytes(StandardCharsets.UTF_8))))
                    .append("email", new BsonString("user" + i + "@example.org"))
                    .append("active", BsonBoolean.valueOf(i % 4 != 0))
                    .append("visits", new BsonInt32(i))
                    .append("score", new BsonDouble(-0.0))));
        }
        return docs;
    }

    // ---- writing the dump by hand ----------------------------------------------------------------------------

    /** Writes the fixture in mongodump's directory layout. */
    Path writeDump(Path dir) throws IOException {
        for (Coll c : collections.values()) {
            Path dbDir = Files.createDirectories(dir.resolve(c.db()));
            writeBson(dbDir.resolve(c.name() + ".bson"), c.docs());
            BsonArray indexes = new BsonArray();
            indexes.add(new BsonDocument("v", new BsonInt32(2)).append("key", new BsonDocument("_id", new BsonInt32(1)))
                    .append("name", new BsonString("_id_")).append("ns", new BsonString(c.ns())));
            for (BsonDocument spec : c.indexes()) {
                BsonDocument dumped = new BsonDocument("v", new BsonInt32(2));
                dumped.putAll(spec);
                dumped.append("ns", new BsonString(c.ns())); // old servers wrote ns; must be stripped on restore
                indexes.add(dumped);
            }
            BsonDocument metadata = new BsonDocument("options", new BsonDocument())
                    .append("indexes", indexes)
                    .append("uuid", new BsonString(UUID.nameUUIDFromBytes(c.ns().getBytes(StandardCharsets.UTF_8)).toString().replace("-", "")))
                    .append("collectionName", new BsonString(c.name()))
                    .append("type", new BsonString("collection"));
            writeJson(dbDir.resolve(c.name() + ".metadata.json"), metadata);
        }
        // a view: metadata only
        writeJson(dir.resolve("crm/activeCustomers.metadata.json"), new BsonDocument("options",
                new BsonDocument("viewOn", new BsonString("customers"))
                        .append("pipeline", new BsonArray(List.of(new BsonDocument("$match", new BsonDocument("active", BsonBoolean.TRUE))))))
                .append("indexes", new BsonArray())
                .append("collectionName", new BsonString("activeCustomers"))
                .append("type", new BsonString("view")));
        // server-managed collections are skipped
        Files.createDirectories(dir.resolve("admin"));
        writeBson(dir.resolve("admin/system.users.bson"), List.of(raw(new BsonDocument("_id", new BsonString("admin.root"))
                .append("user", new BsonString("root")).append("db", new BsonString("admin")))));
        writeJson(dir.resolve("admin/system.users.metadata.json"), new BsonDocument("options", new BsonDocument())
                .append("indexes", new BsonArray()).append("collectionName", new BsonString("system.users")));
        // oplog: reported, not replayed
        writeBson(dir.resolve("oplog.bson"), List.of(raw(new BsonDocument("ts", new BsonTimestamp(1_700_000_100, 1))
                .append("op", new BsonString("n")).append("ns", new BsonString("")).append("o", new BsonDocument("msg", new BsonString("noop"))))));
        return dir;
    }

    static void writeBson(Path file, List<RawBsonDocument> docs) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            for (RawBsonDocument doc : docs) {
                out.write(bytes(doc));
            }
        }
    }

    static void writeJson(Path file, BsonDocument doc) throws IOException {
        Files.writeString(file, doc.toJson(JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build()));
    }

    static byte[] bytes(RawBsonDocument doc) {
        ByteBuffer buffer = doc.getByteBuffer().asNIO();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    // ---- loading the same data directly into a source server ------------------------------------------------

    /** Loads every collection (with its indexes) into {@code client}, without going through a dump. */
    void loadInto(MongoClient client) {
        for (Coll c : collections.values()) {
            MongoDatabase db = client.getDatabase(c.db());
            db.createCollection(c.name());
            if (!c.docs().isEmpty()) {
                db.getCollection(c.name(), RawBsonDocument.class).insertMany(c.docs(), new InsertManyOptions().ordered(true));
            }
            if (!c.indexes().isEmpty()) {
                db.runCommand(new BsonDocument("createIndexes", new BsonString(c.name()))
                        .append("indexes", new BsonArray(new ArrayList<>(c.indexes()))));
            }
        }
        client.getDatabase("crm").runCommand(new BsonDocument("create", new BsonString("activeCustomers"))
                .append("viewOn", new BsonString("customers"))
                .append("pipeline", new BsonArray(List.of(new BsonDocument("$match", new BsonDocument("active", BsonBoolean.TRUE))))));
    }
}
