package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.DumpLayout;
import org.ipfsbackup.mongo.OplogPosition;

import org.ipfsbackup.testing.InJvmMongo;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.MongoClientSettings;
import com.mongodb.ConnectionString;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The driver engine against an in-JVM mongo-java-server (with its oplog enabled). */
class DriverDumpEngineTest {

    @TempDir
    Path tmp;

    private InJvmMongo mongo;

    @BeforeEach
    void start() {
        mongo = InJvmMongo.start(true);
        MongoDatabase shop = mongo.client().getDatabase("shop");
        MongoCollection<BsonDocument> orders = shop.getCollection("orders", BsonDocument.class);
        for (int i = 0; i < 250; i++) {
            orders.insertOne(new BsonDocument("_id", new BsonObjectId())
                    .append("sku", new BsonString("sku-" + i))
                    .append("customer", new BsonString("c" + (i % 7)))
                    .append("date", new BsonDateTime(1_700_000_000_000L + i * 60_000L))
                    .append("qty", new BsonInt32(i))
                    .append("total", new BsonDecimal128(new Decimal128(new BigDecimal("12.50").add(BigDecimal.valueOf(i)))))
                    .append("weight", new BsonDouble(i / 3.0))
                    .append("big", new BsonInt64(1L << 40 | i))
                    .append("gift", BsonBoolean.valueOf(i % 2 == 0))
                    .append("note", i % 5 == 0 ? BsonNull.VALUE : new BsonString("ünïcødé ✓ " + i))
                    .append("tags", new BsonArray(List.of(new BsonString("a"), new BsonInt32(i))))
                    .append("blob", new BsonBinary(new byte[] {1, 2, (byte) i}))
                    .append("nested", new BsonDocument("x", new BsonDocument("y", new BsonInt32(i)))));
        }
        orders.createIndex(Indexes.ascending("sku"), new IndexOptions().unique(true));
        orders.createIndex(Indexes.compoundIndex(Indexes.ascending("customer"), Indexes.descending("date")));
        shop.getCollection("customers").insertOne(new org.bson.Document("_id", "c1").append("name", "Ada"));
        shop.createCollection("empty");
        mongo.client().getDatabase("analytics").getCollection("events").insertOne(new org.bson.Document("kind", "click"));
        // (mongo-java-server keeps no data in admin: it only answers admin commands there)
        mongo.client().getDatabase("config").getCollection("things").insertOne(new org.bson.Document("k", "v"));
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private DumpSettings settings() {
        return DumpSettings.of(mongo.uri()).withEngine("driver");
    }

    @Test
    void fullDumpHasMongodumpLayoutAndTheServersExactBytes() throws Exception {
        Path out = tmp.resolve("full");
        DumpResult result = new DriverDumpEngine(settings()).dumpFull(out);

        assertThat(relativeFiles(out)).containsExactlyInAnyOrder(
                "oplog.bson",
                "shop/orders.bson", "shop/orders.metadata.json",
                "shop/customers.bson", "shop/customers.metadata.json",
                "shop/empty.bson", "shop/empty.metadata.json",
                "analytics/events.bson", "analytics/events.metadata.json");

        for (String ns : List.of("shop.orders", "shop.customers", "shop.empty", "analytics.events")) {
            String db = ns.substring(0, ns.indexOf('.'));
            String coll = ns.substring(ns.indexOf('.') + 1);
            List<String> onDisk = new ArrayList<>();
            DumpLayout.forEachDocument(out.resolve(db).resolve(coll + ".bson"), d -> onDisk.add(hex(d)));
            List<String> onServer = new ArrayList<>();
            for (RawBsonDocument d : mongo.client().getDatabase(db).getCollection(coll, RawBsonDocument.class).find()) {
                onServer.add(hex(d));
            }
            assertThat(onDisk).as(ns).containsExactlyElementsOf(onServer);
        }
        assertThat(Files.size(out.resolve("shop/empty.bson"))).isZero();

        BsonDocument meta = BsonDocument.parse(Files.readString(out.resolve("shop/orders.metadata.json")));
        assertThat(meta.getString("collectionName").getValue()).isEqualTo("orders");
        assertThat(meta.getString("type").getValue()).isEqualTo("collection");
        assertThat(meta.containsKey("options")).as("empty options are left out, as mongodump does").isFalse();
        List<BsonDocument> indexes = meta.getArray("indexes").stream().map(v -> v.asDocument()).toList();
        assertThat(indexes).extracting(i -> i.getString("name").getValue())
                .containsExactlyInAnyOrder("_id_", "sku_1", "customer_1_date_-1");
        BsonDocument unique = indexes.stream().filter(i -> i.getString("name").getValue().equals("sku_1")).findFirst().orElseThrow();
        assertThat(unique.getBoolean("unique").getValue()).isTrue();
        assertThat(unique.getDocument("key")).isEqualTo(new BsonDocument("sku", new BsonInt32(1)));
        BsonDocument compound = indexes.stream().filter(i -> i.getString("name").getValue().equals("customer_1_date_-1")).findFirst().orElseThrow();
        assertThat(new ArrayList<>(compound.getDocument("key").entrySet()))
                .as("key order kept").containsExactly(
                        java.util.Map.entry("customer", new BsonInt32(1)), java.util.Map.entry("date", new BsonInt32(-1)));
        assertThat(Files.readString(out.resolve("shop/orders.metadata.json")))
                .as("compact canonical extended JSON").startsWith("{\"indexes\":[{").contains("{\"$numberInt\":\"1\"}")
                .doesNotContain(": ");

        assertThat(result.engine()).isEqualTo("driver");
        assertThat(result.databases()).containsExactlyInAnyOrder("shop", "analytics");
        assertThat(result.collections()).isEqualTo(4);
        assertThat(result.documents()).isEqualTo(252);
        DumpLayout.Stats stats = DumpLayout.stats(out);
        assertThat(result.documents()).isEqualTo(stats.documents());
        assertThat(result.bytes()).isEqualTo(stats.bytes());
        assertThat(result.oplogOperations()).isEqualTo(stats.oplogOperations());
        assertThat(result.mongodbVersion()).isNotBlank();
        assertThat(result.replicaSet()).as("mongo-java-server is no replica set").isNull();
    }

    @Test
    void adminLocalConfigAreExcludedByDefaultAndIncludeExcludeFilter() throws Exception {
        assertThat(new DriverDumpEngine(settings()).dumpFull(tmp.resolve("default")).databases())
                .containsExactlyInAnyOrder("shop", "analytics");
        assertThat(topDirs(tmp.resolve("default"))).containsExactlyInAnyOrder("shop", "analytics");

        DumpResult onlyAnalytics = new DriverDumpEngine(settings().withDatabases(List.of("analytics"), null))
                .dumpFull(tmp.resolve("include"));
        assertThat(onlyAnalytics.databases()).containsExactly("analytics");
        assertThat(topDirs(tmp.resolve("include"))).containsExactly("analytics");

        DumpResult allButShop = new DriverDumpEngine(settings().withDatabases(List.of(), List.of("shop")))
                .dumpFull(tmp.resolve("exclude"));
        assertThat(allButShop.databases()).as("local and config only when named").containsExactly("analytics");
        assertThat(topDirs(tmp.resolve("exclude"))).containsExactly("analytics");

        DumpResult config = new DriverDumpEngine(settings().withDatabases(List.of("config", "shop"), null))
                .dumpFull(tmp.resolve("config"));
        assertThat(config.databases()).containsExactlyInAnyOrder("config", "shop");
        assertThat(relativeFiles(tmp.resolve("config"))).contains("config/things.bson", "shop/orders.bson");
    }

    @Test
    void writesDuringTheDumpLandInOplogBsonAndOplogEndIsTheLastOfThem() throws Exception {
        MongoCollection<RawBsonDocument> oplog = mongo.client().getDatabase("local").getCollection("oplog.rs", RawBsonDocument.class);
        OplogPosition before = OplogPosition.of(oplog.find().sort(new BsonDocument("$natural", new BsonInt32(-1))).first().getTimestamp("ts"));

        // a second client writes while the engine's client is reading shop.orders: deterministic concurrency
        AtomicBoolean written = new AtomicBoolean();
        CommandListener writer = new CommandListener() {
            @Override
            public void commandStarted(CommandStartedEvent event) {
                if (event.getCommandName().equals("find") && event.getCommand().getString("find").getValue().equals("orders")
                        && written.compareAndSet(false, true)) {
                    try (MongoClient other = MongoClients.create(mongo.uri())) {
                        other.getDatabase("shop").getCollection("orders").insertOne(new org.bson.Document("sku", "during-dump"));
                        other.getDatabase("analytics").getCollection("events").deleteMany(new org.bson.Document());
                    }
                }
            }
        };
        try (MongoClient engineClient = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(mongo.uri())).addCommandListener(writer).build())) {
            Path out = tmp.resolve("full");
            DumpResult result = new DriverDumpEngine(settings(), engineClient).dumpFull(out);

            assertThat(written).isTrue();
            List<RawBsonDocument> captured = new ArrayList<>();
            DumpLayout.forEachDocument(out.resolve("oplog.bson"), captured::add);
            // like mongodump --oplog: from the newest entry before the dump (inclusive) to the newest after it
            List<String> expected = new ArrayList<>();
            for (RawBsonDocument e : oplog.find(new BsonDocument("ts", new BsonDocument("$gte", before.toBsonTimestamp())))) {
                expected.add(hex(e));
            }
            assertThat(captured).extracting(DriverDumpEngineTest::hex).containsExactlyElementsOf(expected);
            assertThat(captured).extracting(e -> e.getString("op").getValue()).containsExactly("i", "i", "d");
            assertThat(captured.get(1).getDocument("o").getString("sku").getValue()).isEqualTo("during-dump");
            assertThat(result.oplogStart()).isEqualTo(before);
            assertThat(result.oplogEnd()).isEqualTo(DumpLayout.ts(captured.get(2)));
            assertThat(result.oplogOperations()).isEqualTo(3);
        }
    }

    @Test
    void oplogDumpHoldsTheEntriesAfterThePositionInOrder() throws Exception {
        MongoCollection<RawBsonDocument> oplog = mongo.client().getDatabase("local").getCollection("oplog.rs", RawBsonDocument.class);
        OplogPosition after = OplogPosition.of(oplog.find().sort(new BsonDocument("$natural", new BsonInt32(-1))).first().getTimestamp("ts"));
        MongoCollection<org.bson.Document> customers = mongo.client().getDatabase("shop").getCollection("customers");
        customers.insertOne(new org.bson.Document("_id", "c2"));
        customers.updateOne(new org.bson.Document("_id", "c1"), new org.bson.Document("$set", new org.bson.Document("name", "Grace")));
        customers.deleteOne(new org.bson.Document("_id", "c2"));

        Path out = tmp.resolve("incr");
        DumpResult result = new DriverDumpEngine(settings()).dumpOplog(after, out);

        assertThat(relativeFiles(out)).containsExactly("oplog.bson");
        List<RawBsonDocument> entries = new ArrayList<>();
        DumpLayout.forEachDocument(out.resolve("oplog.bson"), entries::add);
        List<String> expected = new ArrayList<>();
        for (RawBsonDocument e : oplog.find(new BsonDocument("ts", new BsonDocument("$gt", after.toBsonTimestamp())))) {
            expected.add(hex(e));
        }
        assertThat(entries).extracting(DriverDumpEngineTest::hex).containsExactlyElementsOf(expected);
        assertThat(entries).extracting(e -> e.getString("op").getValue()).containsExactly("i", "u", "d");
        List<OplogPosition> ts = entries.stream().map(DumpLayout::ts).toList();
        assertThat(ts).isSorted().allSatisfy(t -> assertThat(t).isGreaterThan(after));
        assertThat(result.oplogStart()).isEqualTo(ts.get(0));
        assertThat(result.oplogEnd()).isEqualTo(ts.get(2));
        assertThat(result.oplogOperations()).isEqualTo(3);
        assertThat(result.bytes()).isEqualTo(Files.size(out.resolve("oplog.bson")));

        // nothing new since: empty file, end stays where it was
        DumpResult none = new DriverDumpEngine(settings()).dumpOplog(result.oplogEnd(), tmp.resolve("none"));
        assertThat(Files.size(tmp.resolve("none/oplog.bson"))).isZero();
        assertThat(none.oplogOperations()).isZero();
        assertThat(none.oplogStart()).isNull();
        assertThat(none.oplogEnd()).isEqualTo(result.oplogEnd());
    }

    @Test
    void oplogGapIsReportedWhenTheOldestEntryIsNewerThanAfter() throws Exception {
        MongoCollection<BsonDocument> oplog = mongo.client().getDatabase("local").getCollection("oplog.rs", BsonDocument.class);
        List<BsonTimestamp> all = new ArrayList<>();
        for (BsonDocument e : oplog.find()) {
            all.add(e.getTimestamp("ts"));
        }
        OplogPosition after = OplogPosition.of(all.get(10));
        // what a capped oplog does when it wraps: the oldest entries, up to and past `after`, are gone
        oplog.deleteMany(new BsonDocument("ts", new BsonDocument("$lte", all.get(20))));

        assertThatThrownBy(() -> new DriverDumpEngine(settings()).dumpOplog(after, tmp.resolve("gap")))
                .isInstanceOfSatisfying(OplogGapException.class, e -> {
                    assertThat(e.after()).isEqualTo(after);
                    assertThat(e.oldest()).isEqualTo(OplogPosition.of(all.get(21)));
                })
                .hasMessageContaining("oplog gap").hasMessageContaining(after.toString())
                .hasMessageContaining(OplogPosition.of(all.get(21)).toString());
    }

    @Test
    void oplogGapIsReportedWhenThePreviousEndIsNotInTheOplog() {
        BsonTimestamp last = mongo.client().getDatabase("local").getCollection("oplog.rs", BsonDocument.class)
                .find().sort(new BsonDocument("$natural", new BsonInt32(-1))).first().getTimestamp("ts");
        OplogPosition neverWritten = new OplogPosition(Integer.toUnsignedLong(last.getTime()), last.getInc() + 1000);
        assertThatThrownBy(() -> new DriverDumpEngine(settings()).dumpOplog(neverWritten, tmp.resolve("x")))
                .isInstanceOf(OplogGapException.class).hasMessageContaining("no entry at " + neverWritten);
    }

    @Test
    void withoutAnOplogPositionsAreNullAndOplogDumpsAreRefused() throws Exception {
        try (InJvmMongo plain = InJvmMongo.start(false)) {
            plain.client().getDatabase("shop").getCollection("orders").insertOne(new org.bson.Document("a", 1));
            DumpSettings s = DumpSettings.of(plain.uri()).withEngine("driver");
            DumpResult result = new DriverDumpEngine(s).dumpFull(tmp.resolve("plain"));
            assertThat(relativeFiles(tmp.resolve("plain"))).containsExactlyInAnyOrder("shop/orders.bson", "shop/orders.metadata.json");
            assertThat(result.oplogStart()).isNull();
            assertThat(result.oplogEnd()).isNull();
            assertThat(result.oplogOperations()).isZero();
            assertThat(result.documents()).isEqualTo(1);

            assertThatThrownBy(() -> new DriverDumpEngine(s).dumpOplog(new OplogPosition(1, 1), tmp.resolve("o")))
                    .isInstanceOf(DumpException.class).hasMessageContaining("driver engine").hasMessageContaining("no local.oplog.rs");
        }
    }

    @Test
    void oplogSettingOffSkipsTheOplog() throws Exception {
        DumpResult result = new DriverDumpEngine(settings().withOplog(false)).dumpFull(tmp.resolve("o"));
        assertThat(tmp.resolve("o/oplog.bson")).doesNotExist();
        assertThat(result.oplogEnd()).isNull();
    }

    @Test
    void refusesANonEmptyOutputDirectoryAndStopsAtTheTimeout() throws Exception {
        Files.writeString(tmp.resolve("stale.txt"), "x");
        assertThatThrownBy(() -> new DriverDumpEngine(settings()).dumpFull(tmp))
                .isInstanceOf(DumpException.class).hasMessageContaining("not empty");

        assertThatThrownBy(() -> new DriverDumpEngine(settings().withTimeout(Duration.ofNanos(1))).dumpFull(tmp.resolve("t")))
                .isInstanceOfSatisfying(DumpException.class, e -> assertThat(e.timedOut()).isTrue())
                .hasMessageContaining("did not finish within PT0.000000001S (dump.timeout)");
    }

    @Test
    void connectionFailureMessageNamesTheEngineAndHidesThePassword() {
        // nothing listens there; the URI's password must not surface
        DumpSettings s = DumpSettings.of("mongodb://backup:Sup3rS3cret@127.0.0.1:1/?serverSelectionTimeoutMS=200&connectTimeoutMS=200")
                .withEngine("driver");
        assertThatThrownBy(() -> new DriverDumpEngine(s).dumpFull(tmp.resolve("x")))
                .isInstanceOf(DumpException.class).hasMessageStartingWith("driver engine: ")
                .hasMessageNotContaining("Sup3rS3cret");
    }

    static String hex(RawBsonDocument d) {
        java.nio.ByteBuffer b = d.getByteBuffer().asNIO();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static Set<String> relativeFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Set<String> topDirs(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(Files::isDirectory).map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
