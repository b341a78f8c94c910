package org.ipfsbackup.devstack;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import org.bson.BsonBinarySubType;
import org.bson.BsonRegularExpression;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Deterministic sample data for the source database (same documents on every run, so a restore can be compared
 * with what was seeded):
 * <ul>
 *   <li>{@code shop.customers} ({@value #CUSTOMERS}): nested documents, arrays of strings and of documents,
 *   unicode strings, dates, booleans, null, int/long/double, ObjectIds, binary (generic and UUID subtype 4);
 *   unique index on {@code email}, compound unique index on {@code country, customerNo};</li>
 *   <li>{@code shop.orders} ({@value #ORDERS}): arrays of line-item documents, amounts in long cents and
 *   decimal strings, timestamps, a {@code couponCode} only on some orders; compound index
 *   {@code customerId, orderedAt}, sparse index on {@code couponCode};</li>
 *   <li>{@code inventory.items} ({@value #ITEMS}): string {@code _id}s, nested dimensions, regexes, binary
 *   thumbnails; compound index {@code category, priceCents}, index on the nested {@code supplier.name};</li>
 *   <li>{@code analytics.events} ({@value #EVENTS}): event documents with nested payloads and session UUIDs;
 *   indexes on {@code createdAt} and {@code type, userId}.</li>
 * </ul>
 * FerretDB 1.24 (SQLite) rejects, so none of these appear: Decimal128, MinKey, MaxKey, JavaScript code (with or
 * without scope), Symbol, DBPointer, undefined and NaN (each closes the connection), infinities and nested arrays
 * (write error), keys with '.' or a leading '$'; and for indexes TTL ({@code expireAfterSeconds}),
 * {@code partialFilterExpression}, collation, text, 2dsphere and hashed. It accepts the {@code sparse} option but
 * drops it ({@code listIndexes} does not show it). Money is therefore in long cents plus a decimal string.
 */
public final class SampleData {
    public static final int CUSTOMERS = 200;
    public static final int ORDERS = 1000;
    public static final int ITEMS = 300;
    public static final int EVENTS = 3000;
    /** All seeded documents are dated from here on (2025-01-01T00:00:00Z). */
    static final long BASE_MILLIS = 1_735_689_600_000L;
    private static final String[] FIRST = {"Zoë", "Jürgen", "李雷", "Σωκράτης", "Łukasz", "Ána", "Ólafur", "Чайковский",
            "محمد", "Nguyễn", "Søren", "Ines", "O'Brien", "José", "田中", "Émilie"};
    private static final String[] LAST = {"Müller", "García", "Smith", "Kowalski", "Ivanov", "Dupont", "Rossi", "Yılmaz",
            "Ødegård", "王", "Nakamura", "Silva"};
    private static final String[] COUNTRIES = {"DE", "FR", "US", "PL", "JP", "BR", "NO", "TR"};
    private static final String[] CATEGORIES = {"tools", "garden", "kitchen", "books", "toys", "electronics"};
    private static final String[] EVENT_TYPES = {"page_view", "add_to_cart", "checkout", "search", "login", "logout"};
    private static final String[] STATUS = {"new", "paid", "shipped", "delivered", "cancelled"};

    private SampleData() {
    }

    /** Inserts the sample data and creates the indexes; returns the document count per namespace. */
    public static Map<String, Long> seed(MongoClient client) {
        Random r = new Random(20250101L);
        Map<String, Long> counts = new LinkedHashMap<>();
        List<ObjectId> customerIds = customers(client.getDatabase("shop"), r);
        counts.put("shop.customers", (long) customerIds.size());
        counts.put("shop.orders", orders(client.getDatabase("shop"), customerIds, r));
        counts.put("inventory.items", items(client.getDatabase("inventory"), r));
        counts.put("analytics.events", events(client.getDatabase("analytics"), customerIds, r));
        return counts;
    }

    /** A deterministic ObjectId: seconds from BASE_MILLIS plus a per-collection counter. */
    static ObjectId objectId(int offsetSeconds, int counter) {
        return new ObjectId((int) (BASE_MILLIS / 1000) + offsetSeconds, counter & 0xFFFFFF);
    }

    static Binary uuid(UUID uuid) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return new Binary(BsonBinarySubType.UUID_STANDARD, b.array());
    }

    private static UUID uuid(Random r) {
        return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
    }

    private static Date date(Random r, int maxDays) {
        return new Date(BASE_MILLIS + (long) r.nextInt(maxDays * 86_400) * 1000L + r.nextInt(1000));
    }

    private static String pick(String[] values, Random r) {
        return values[r.nextInt(values.length)];
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static List<ObjectId> customers(MongoDatabase shop, Random r) {
        MongoCollection<Document> c = shop.getCollection("customers");
        List<Document> docs = new ArrayList<>();
        List<ObjectId> ids = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            ObjectId id = objectId(i, i);
            ids.add(id);
            String first = pick(FIRST, r);
            String last = pick(LAST, r);
            String country = COUNTRIES[i % COUNTRIES.length];
            List<Document> phones = new ArrayList<>();
            int phoneCount = r.nextInt(3);
            for (int p = 0; p < phoneCount; p++) {
                phones.add(new Document("kind", p == 0 ? "mobile" : "home").append("number", "+49 30 " + (1_000_000 + r.nextInt(8_999_999))));
            }
            docs.add(new Document("_id", id)
                    .append("customerNo", i + 1)
                    .append("name", new Document("first", first).append("last", last).append("display", first + " " + last + " ✓"))
                    .append("email", "customer" + i + "@example.test")
                    .append("country", country)
                    .append("address", new Document("street", "Hauptstraße " + (1 + r.nextInt(200)))
                            .append("city", pick(new String[] {"Berlin", "Zürich", "São Paulo", "Kraków", "東京", "Tromsø"}, r))
                            .append("zip", String.format("%05d", r.nextInt(100_000)))
                            .append("geo", new Document("lat", -90 + 180 * r.nextDouble()).append("lng", -180 + 360 * r.nextDouble())))
                    .append("tags", List.of(pick(CATEGORIES, r), pick(CATEGORIES, r), i % 7 == 0 ? "vip" : "regular"))
                    .append("phones", phones)
                    .append("vip", i % 7 == 0)
                    .append("loyaltyPoints", r.nextInt(100_000))
                    .append("lifetimeCents", (long) r.nextInt(Integer.MAX_VALUE) * 1000L)
                    .append("rating", Math.round(r.nextDouble() * 500) / 100.0)
                    .append("createdAt", date(r, 365))
                    .append("lastLogin", i % 5 == 0 ? null : date(r, 400))
                    .append("externalId", uuid(uuid(r)))
                    .append("avatar", new Binary(bytes(r, 32 + r.nextInt(64))))
                    .append("notes", i % 3 == 0 ? "Ünïcødé nøte 📦 #" + i + " — “quoted”, tab\tand newline\nend" : ""));
        }
        c.insertMany(docs);
        c.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true).name("email_unique"));
        c.createIndex(Indexes.compoundIndex(Indexes.ascending("country"), Indexes.ascending("customerNo")),
                new IndexOptions().unique(true).name("country_customerNo_unique"));
        return ids;
    }

    private static long orders(MongoDatabase shop, List<ObjectId> customers, Random r) {
        MongoCollection<Document> c = shop.getCollection("orders");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < ORDERS; i++) {
            List<Document> lines = new ArrayList<>();
            long total = 0;
            for (int l = 0; l < 1 + r.nextInt(5); l++) {
                int qty = 1 + r.nextInt(4);
                long price = 99 + r.nextInt(50_000);
                total += qty * price;
                lines.add(new Document("sku", "SKU-" + String.format("%05d", r.nextInt(ITEMS))).append("qty", qty)
                        .append("priceCents", price).append("weightKg", Math.round(r.nextDouble() * 10_000) / 1000.0));
            }
            Document d = new Document("_id", objectId(100_000 + i, i))
                    .append("customerId", customers.get(r.nextInt(customers.size())))
                    .append("orderedAt", date(r, 365))
                    .append("status", pick(STATUS, r))
                    .append("lines", lines)
                    .append("totalCents", total)
                    .append("total", String.format("%d.%02d", total / 100, total % 100))
                    .append("currency", "EUR")
                    .append("paid", r.nextBoolean())
                    .append("shipping", new Document("method", r.nextBoolean() ? "express" : "standard")
                            .append("trackingNo", r.nextInt(4) == 0 ? null : "TRK" + Long.toString(r.nextLong() & Long.MAX_VALUE, 36)))
                    .append("version", new BsonTimestamp((int) (BASE_MILLIS / 1000) + i, 1));
            if (i % 10 == 0) {
                d.append("couponCode", "SAVE" + (5 + r.nextInt(20)));
            }
            docs.add(d);
        }
        c.insertMany(docs);
        c.createIndex(Indexes.compoundIndex(Indexes.ascending("customerId"), Indexes.descending("orderedAt")),
                new IndexOptions().name("customer_orderedAt"));
        c.createIndex(Indexes.ascending("couponCode"), new IndexOptions().sparse(true).name("couponCode_sparse"));
        return c.countDocuments();
    }

    private static long items(MongoDatabase inventory, Random r) {
        MongoCollection<Document> c = inventory.getCollection("items");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            long price = 99 + r.nextInt(50_000);
            docs.add(new Document("_id", "SKU-" + String.format("%05d", i))
                    .append("name", pick(new String[] {"Hammer", "Gießkanne", "Wok 鍋", "Roman — Band " + i, "Kite 🪁", "Kabel"}, r))
                    .append("category", CATEGORIES[i % CATEGORIES.length])
                    .append("priceCents", price)
                    .append("price", String.format("%d.%02d", price / 100, price % 100))
                    .append("stock", r.nextInt(500))
                    .append("reorderLevel", (long) r.nextInt(50))
                    .append("weightKg", Math.round(r.nextDouble() * 100_000) / 1000.0)
                    .append("dimensions", new Document("w", r.nextInt(100)).append("h", r.nextInt(100)).append("d", r.nextInt(100))
                            .append("unit", "cm"))
                    .append("supplier", i % 4 == 0 ? null : new Document("name", "Supplier " + (i % 13))
                            .append("id", objectId(200_000 + i % 13, i % 13)))
                    .append("skuPattern", new BsonRegularExpression("^SKU-" + String.format("%03d", i / 100) + "\\d{2}$", "i"))
                    .append("barcodes", List.of(String.format("%013d", r.nextLong() & 0xFFFFFFFFFFL)))
                    .append("thumbnail", new Binary(bytes(r, 64)))
                    .append("discontinued", i % 17 == 0)
                    .append("lastRestock", date(r, 365)));
        }
        c.insertMany(docs);
        c.createIndex(Indexes.compoundIndex(Indexes.ascending("category"), Indexes.descending("priceCents")),
                new IndexOptions().name("category_price"));
        c.createIndex(Indexes.ascending("supplier.name"), new IndexOptions().name("supplier_name"));
        return c.countDocuments();
    }

    private static long events(MongoDatabase analytics, List<ObjectId> customers, Random r) {
        MongoCollection<Document> c = analytics.getCollection("events");
        List<UUID> sessions = new ArrayList<>();
        for (int s = 0; s < 300; s++) {
            sessions.add(uuid(r));
        }
        List<Document> batch = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            String type = EVENT_TYPES[r.nextInt(EVENT_TYPES.length)];
            Document payload = new Document("path", "/p/" + r.nextInt(1000))
                    .append("referrer", r.nextInt(3) == 0 ? null : "https://example.test/r/" + r.nextInt(50))
                    .append("items", List.of(new Document("sku", "SKU-" + String.format("%05d", r.nextInt(ITEMS))).append("qty", 1 + r.nextInt(3))))
                    .append("flags", List.of(r.nextBoolean(), r.nextBoolean()));
            if ("search".equals(type)) {
                payload.append("query", pick(new String[] {"Schraube", "ножницы", "鍋", "café", "emoji 😀"}, r));
            }
            batch.add(new Document("_id", objectId(300_000 + i, i))
                    .append("type", type)
                    .append("userId", customers.get(r.nextInt(customers.size())))
                    .append("sessionId", uuid(sessions.get(r.nextInt(sessions.size()))))
                    .append("createdAt", date(r, 30))
                    .append("durationMs", (long) r.nextInt(60_000))
                    .append("score", r.nextDouble())
                    .append("seq", i)
                    .append("payload", payload));
            if (batch.size() == 500) {
                c.insertMany(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            c.insertMany(batch);
        }
        c.createIndex(Indexes.ascending("createdAt"), new IndexOptions().name("createdAt"));
        c.createIndex(Indexes.compoundIndex(Indexes.ascending("type"), Indexes.ascending("userId")),
                new IndexOptions().name("type_user"));
        return c.countDocuments();
    }
}
