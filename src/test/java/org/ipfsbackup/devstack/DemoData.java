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
            case "mail" -> System.out.println(mail(args[1], Integer.parseInt(args[2]), args[3]));
            default -> throw new IllegalArgumentException("usage: DemoData write URI A|B|C|D|S1|S2|S3 | state URI | tick | mail IMAP_HOST IMAP_PORT USER");
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
            case "D" -> {
                orders.insertOne(new Document("_id", 5).append("status", "new").append("total", 50));
                orders.updateOne(Filters.eq("_id", 4), Updates.set("status", "paid"));
            }
            // the oplog slices part: writes before, inside and after the second slice's restore point
            case "S1" -> {
                orders.insertOne(new Document("_id", 10).append("status", "new").append("total", 100));
                orders.updateOne(Filters.eq("_id", 3), Updates.set("status", "returned"));
            }
            case "S2" -> {
                orders.insertOne(new Document("_id", 11).append("status", "new").append("total", 110));
                orders.updateOne(Filters.eq("_id", 10), Updates.inc("total", 1));
            }
            case "S3" -> {
                orders.insertOne(new Document("_id", 12).append("status", "new").append("total", 120));
                orders.deleteOne(Filters.eq("_id", 11));
            }
            default -> throw new IllegalArgumentException("phase must be A, B, C, D, S1, S2 or S3");
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

    /** The INBOX of {@code user} in the stack's GreenMail, read over IMAP: a JSON list of {subject, body}. */
    static String mail(String host, int port, String user) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put("mail.imap.connectiontimeout", "5000");
        p.put("mail.imap.timeout", "5000");
        jakarta.mail.Store store = jakarta.mail.Session.getInstance(p).getStore("imap");
        store.connect(host, port, user, "any");
        try {
            jakarta.mail.Folder inbox = store.getFolder("INBOX");
            inbox.open(jakarta.mail.Folder.READ_ONLY);
            try {
                List<java.util.Map<String, String>> out = new java.util.ArrayList<>();
                for (jakarta.mail.Message m : inbox.getMessages()) {
                    Object content = m.getContent();
                    out.add(java.util.Map.of("subject", m.getSubject(), "body", content instanceof String t ? t : String.valueOf(content)));
                }
                return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(out);
            } finally {
                inbox.close(false);
            }
        } finally {
            store.close();
        }
    }
}
