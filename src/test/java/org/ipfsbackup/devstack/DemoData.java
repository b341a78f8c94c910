package org.ipfsbackup.devstack;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.bson.Document;
import org.bson.RawBsonDocument;

/**
 * Writes for bin/demo's incremental and point-in-time steps, and a fingerprint of the collection they touch.
 * <pre>
 *   DemoData write URI B|C    apply that phase's inserts, updates and deletes to demo.orders
 *   DemoData state URI        print sha256 of demo.orders (raw BSON of every document, by _id) and its count
 *   DemoData tick             wait until the wall clock has moved past the current second, print the time
 * </pre>
 */
public final class DemoData {
    private DemoData() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "write" -> {
                try (MongoClient c = MongoClients.create(args[1])) {
                    write(c.getDatabase("demo").getCollection("orders"), args[2]);
                }
            }
            case "state" -> {
                try (MongoClient c = MongoClients.create(args[1])) {
                    System.out.println(state(c));
                }
            }
            case "tick" -> {
                long s = Instant.now().getEpochSecond();
                while (Instant.now().getEpochSecond() <= s) {
                    Thread.sleep(1000 - Instant.now().toEpochMilli() % 1000 + 1); // until the next second starts
                }
                System.out.println(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            }
            default -> throw new IllegalArgumentException("usage: DemoData write URI B|C | state URI | tick");
        }
    }

    static void write(MongoCollection<Document> orders, String phase) {
        switch (phase) {
            case "A" -> orders.insertMany(List.of(new Document("_id", 1).append("status", "new").append("total", 10),
                    new Document("_id", 2).append("status", "new").append("total", 20)));
            case "B" -> {
                orders.insertOne(new Document("_id", 3).append("status", "new").append("total", 30));
                orders.updateOne(Filters.eq("_id", 1), Updates.set("status", "paid"));
                orders.deleteOne(Filters.eq("_id", 2));
            }
            case "C" -> {
                orders.insertOne(new Document("_id", 4).append("status", "new").append("total", 40));
                orders.updateOne(Filters.eq("_id", 3), Updates.combine(Updates.set("status", "shipped"), Updates.inc("total", 5)));
                orders.deleteOne(Filters.eq("_id", 1));
            }
            default -> throw new IllegalArgumentException("phase must be A, B or C");
        }
    }

    static String state(MongoClient c) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long n = 0;
        for (RawBsonDocument d : c.getDatabase("demo").getCollection("orders", RawBsonDocument.class).find().sort(Sorts.ascending("_id"))) {
            var b = d.getByteBuffer();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            md.update(bytes);
            n++;
        }
        return HexFormat.of().formatHex(md.digest()) + " " + n;
    }
}
