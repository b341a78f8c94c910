package org.ipfsbackup.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.bson.BsonBinaryWriter;
import org.bson.io.BasicOutputBuffer;
import org.bson.types.ObjectId;

/**
 * A mongodump-layout directory of real BSON documents that look like an application's data (users with names, e-mails,
 * addresses and tags; orders with line items; events with IPs, user agents and timestamps): field names repeat,
 * values are drawn from realistic vocabularies with random numbers, ids and times. Deterministic for a seed. gzip -6
 * compresses it to about a third, like typical user collections (random bytes would make every codec look the same).
 */
public final class UserLikeDump {

    private static final String[] FIRST = {"Anna", "Ben", "Carla", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas",
        "Klara", "Leon", "Mia", "Noah", "Olga", "Paul", "Quentin", "Rosa", "Sven", "Tara", "Uwe", "Vera", "Walter", "Xenia",
        "Yusuf", "Zoe", "Mohammed", "Sofia", "Luca", "Chen", "Aiko", "Pedro", "Fatima", "Ivan", "Priya", "Kofi"};
    private static final String[] LAST = {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Smith", "Johnson", "Williams", "Brown", "Garcia", "Martinez", "Rossi", "Russo", "Dubois",
        "Laurent", "Nowak", "Kowalski", "Tanaka", "Suzuki", "Kim", "Lee", "Singh", "Patel", "Silva", "Santos", "Ivanov"};
    private static final String[] CITY = {"Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Paris", "Lyon", "Madrid",
        "Barcelona", "Rome", "Milan", "Vienna", "Zürich", "Amsterdam", "London", "Dublin", "Warsaw", "Prague", "Lisbon",
        "Tokyo", "Seoul", "New York", "Chicago", "Toronto", "São Paulo", "Sydney"};
    private static final String[] STREET = {"Hauptstraße", "Bahnhofstraße", "Gartenweg", "Rue de la Paix", "Main Street",
        "Oak Avenue", "Via Roma", "Calle Mayor", "Kings Road", "Parkallee", "Lindenstraße", "Schillerstraße"};
    private static final String[] DOMAIN = {"example.com", "mail.example.org", "example.net", "corp.example", "web.example.de"};
    private static final String[] TAG = {"vip", "newsletter", "beta", "churn-risk", "b2b", "student", "premium", "trial",
        "referral", "mobile", "desktop", "eu", "us", "apac"};
    private static final String[] STATUS = {"pending", "paid", "shipped", "delivered", "cancelled", "refunded"};
    private static final String[] PRODUCT = {"USB-C cable 2m", "Wireless mouse", "Mechanical keyboard", "27\" monitor",
        "Laptop stand", "Noise-cancelling headphones", "Webcam 1080p", "Desk lamp", "Office chair", "Notebook A5",
        "Coffee beans 1kg", "Water bottle", "Backpack 30l", "Phone case", "Charger 65W"};
    private static final String[] EVENT = {"login", "logout", "page_view", "add_to_cart", "checkout", "search",
        "password_reset", "profile_update", "api_call"};
    private static final String[] AGENT = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        "okhttp/4.12.0", "python-requests/2.31.0"};
    private static final String[] WORDS = ("the quick delivery arrived on time and the package was intact thanks great "
            + "service would order again product quality is fine but the box was damaged please call me before delivery "
            + "leave at the door ring twice gift wrap invoice to company address").split(" ");

    private UserLikeDump() {
    }

    /** Writes about {@code bytes} of BSON into {@code dir} ({@code appdb/users.bson}, {@code orders}, {@code events}, metadata). */
    public static long generate(Path dir, long bytes, long seed) throws IOException {
        Path db = Files.createDirectories(dir.resolve("appdb"));
        Random r = new Random(seed);
        long written = 0;
        String[] colls = {"users", "orders", "events"};
        long[] shares = {bytes * 3 / 10, bytes * 4 / 10, bytes - bytes * 3 / 10 - bytes * 4 / 10};
        for (int c = 0; c < colls.length; c++) {
            Path file = db.resolve(colls[c] + ".bson");
            long target = shares[c];
            long w = 0;
            long seq = 0;
            long time = 1_700_000_000_000L;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                BasicOutputBuffer buf = new BasicOutputBuffer(4096);
                while (w < target) {
                    buf.truncateToPosition(0);
                    try (BsonBinaryWriter bw = new BsonBinaryWriter(buf)) {
                        time += r.nextInt(60_000);
                        switch (c) {
                            case 0 -> user(bw, r, seq, time);
                            case 1 -> order(bw, r, seq, time);
                            default -> event(bw, r, seq, time);
                        }
                    }
                    buf.pipe(out);
                    w += buf.getPosition();
                    seq++;
                }
            }
            Files.writeString(db.resolve(colls[c] + ".metadata.json"), "{\"indexes\":[{\"v\":2,\"key\":{\"_id\":1},\"name\":\"_id_\"}],"
                    + "\"uuid\":\"\",\"collectionName\":\"" + colls[c] + "\",\"type\":\"collection\"}");
            written += w;
        }
        return written;
    }

    /** The collections, in the order {@link #document} takes their index. */
    public static final String[] COLLECTIONS = {"users", "orders", "events"};

    /** Calls {@code sink} with documents of collection {@code coll} (index into {@link #COLLECTIONS}) until about {@code bytes}. */
    public static void documents(int coll, long bytes, long seed, java.util.function.Consumer<byte[]> sink) {
        Random r = new Random(seed);
        long time = 1_700_000_000_000L;
        long w = 0;
        for (long seq = 0; w < bytes; seq++) {
            BasicOutputBuffer buf = new BasicOutputBuffer(1024);
            try (BsonBinaryWriter bw = new BsonBinaryWriter(buf)) {
                time += r.nextInt(60_000);
                switch (coll) {
                    case 0 -> user(bw, r, seq, time);
                    case 1 -> order(bw, r, seq, time);
                    default -> event(bw, r, seq, time);
                }
            }
            byte[] doc = buf.toByteArray();
            w += doc.length;
            sink.accept(doc);
        }
    }

    private static ObjectId id(Random r, long time) {
        return new ObjectId((int) (time / 1000), r.nextInt(1 << 24) & 0xffffff);
    }

    private static <T> T pick(Random r, T[] a) {
        return a[r.nextInt(a.length)];
    }

    private static void user(BsonBinaryWriter w, Random r, long seq, long time) {
        String first = pick(r, FIRST);
        String last = pick(r, LAST);
        w.writeStartDocument();
        w.writeObjectId("_id", id(r, time));
        w.writeString("firstName", first);
        w.writeString("lastName", last);
        w.writeString("email", (first + "." + last).toLowerCase() + (r.nextInt(1000)) + "@" + pick(r, DOMAIN));
        w.writeInt32("age", 18 + r.nextInt(70));
        w.writeDateTime("createdAt", time);
        w.writeDateTime("lastLogin", time + r.nextInt(1_000_000_000));
        w.writeBoolean("active", r.nextInt(10) != 0);
        w.writeDouble("balance", Math.round(r.nextDouble() * 500_000) / 100.0);
        w.writeStartDocument("address");
        w.writeString("street", pick(r, STREET) + " " + (1 + r.nextInt(200)));
        w.writeString("zip", String.format("%05d", r.nextInt(100_000)));
        w.writeString("city", pick(r, CITY));
        w.writeEndDocument();
        w.writeStartArray("tags");
        for (int i = r.nextInt(4); i >= 0; i--) {
            w.writeString(pick(r, TAG));
        }
        w.writeEndArray();
        w.writeInt64("loginCount", r.nextInt(5000));
        w.writeString("phone", "+49 " + (150 + r.nextInt(30)) + " " + (1_000_000 + r.nextInt(9_000_000)));
        w.writeEndDocument();
    }

    private static void order(BsonBinaryWriter w, Random r, long seq, long time) {
        w.writeStartDocument();
        w.writeObjectId("_id", id(r, time));
        w.writeString("orderNo", "ORD-" + (10_000_000 + seq));
        w.writeObjectId("userId", id(r, time - r.nextInt(1_000_000_000)));
        w.writeString("status", pick(r, STATUS));
        w.writeDateTime("createdAt", time);
        w.writeStartArray("items");
        double total = 0;
        for (int i = r.nextInt(5); i >= 0; i--) {
            w.writeStartDocument();
            w.writeString("sku", "SKU-" + (1000 + r.nextInt(500)));
            w.writeString("name", pick(r, PRODUCT));
            int qty = 1 + r.nextInt(4);
            double price = Math.round(r.nextDouble() * 30_000) / 100.0;
            total += qty * price;
            w.writeInt32("qty", qty);
            w.writeDouble("price", price);
            w.writeEndDocument();
        }
        w.writeEndArray();
        w.writeDouble("total", Math.round(total * 100) / 100.0);
        w.writeString("currency", r.nextInt(4) == 0 ? "USD" : "EUR");
        if (r.nextInt(3) == 0) {
            StringBuilder note = new StringBuilder();
            for (int i = 3 + r.nextInt(12); i > 0; i--) {
                note.append(pick(r, WORDS)).append(' ');
            }
            w.writeString("note", note.toString().trim());
        }
        w.writeStartDocument("shipping");
        w.writeString("city", pick(r, CITY));
        w.writeString("street", pick(r, STREET) + " " + (1 + r.nextInt(200)));
        w.writeString("carrier", r.nextBoolean() ? "DHL" : "UPS");
        w.writeString("tracking", Long.toHexString(r.nextLong()).toUpperCase());
        w.writeEndDocument();
        w.writeEndDocument();
    }

    private static void event(BsonBinaryWriter w, Random r, long seq, long time) {
        w.writeStartDocument();
        w.writeObjectId("_id", id(r, time));
        w.writeString("type", pick(r, EVENT));
        w.writeDateTime("at", time);
        w.writeObjectId("userId", id(r, time - r.nextInt(1_000_000_000)));
        w.writeString("ip", (10 + r.nextInt(200)) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256));
        w.writeString("userAgent", pick(r, AGENT));
        w.writeString("path", "/" + pick(r, new String[] {"shop", "account", "cart", "search", "api/v2/items"}) + "/" + r.nextInt(5000));
        w.writeInt32("durationMs", r.nextInt(2000));
        w.writeString("sessionId", new java.util.UUID(r.nextLong(), r.nextLong()).toString());
        w.writeEndDocument();
    }
}
