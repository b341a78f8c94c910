package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

class DriverRestoreTest {

    private static final List<String> DATABASES = List.of("shop", "crm");

    @TempDir
    Path tmp;

    private final DumpFixture fixture = new DumpFixture();
    private MongoTestServer sourceServer;
    private MongoTestServer targetServer;
    private MongoClient target;
    private Path dump;

    @BeforeEach
    void setUp() throws IOException {
        sourceServer = new MongoTestServer();
        targetServer = new MongoTestServer();
        target = targetServer.client();
        fixture.loadInto(sourceServer.client());
        dump = fixture.writeDump(tmp.resolve("dump"));
    }

    @AfterEach
    void tearDown() {
        sourceServer.close();
        targetServer.close();
    }

    private RestoreResult restore(RestoreOptions options) {
        return new DriverRestore(target).restoreDump(dump, options);
    }

    /** The target's documents by _id (as JSON of the _id), raw. */
    private static Map<String, byte[]> documents(MongoClient client, String db, String coll) {
        Map<String, byte[]> result = new HashMap<>();
        for (RawBsonDocument doc : client.getDatabase(db).getCollection(coll, RawBsonDocument.class).find()) {
            result.put(new BsonDocument("_id", doc.get("_id")).toJson(), DumpFixture.bytes(doc));
        }
        return result;
    }

    private static Map<String, byte[]> expected(List<RawBsonDocument> docs) {
        Map<String, byte[]> result = new HashMap<>();
        for (RawBsonDocument doc : docs) {
            result.put(new BsonDocument("_id", doc.get("_id")).toJson(), DumpFixture.bytes(doc));
        }
        return result;
    }

    private static List<String> collectionNames(MongoClient client, String db) {
        return client.getDatabase(db).listCollectionNames().into(new ArrayList<>());
    }

    @Test
    void restoresEveryDocumentByteForByteWithIndexes() {
        RestoreResult result = restore(RestoreOptions.defaults());

        int expectedDocs = fixture.collections.values().stream().mapToInt(c -> c.docs().size()).sum();
        int expectedIndexes = fixture.collections.values().stream().mapToInt(c -> c.indexes().size()).sum();
        assertThat(result.databases()).isEqualTo(2);
        assertThat(result.collections()).isEqualTo(6);
        assertThat(result.documents()).isEqualTo(expectedDocs);
        assertThat(result.indexes()).isEqualTo(expectedIndexes);
        assertThat(result.namespaces()).containsExactly("crm.customers", "shop.big", "shop.blobs", "shop.empty", "shop.mixed",
                "shop.orders");
        assertThat(result.views()).containsExactly("crm.activeCustomers");
        assertThat(result.oplogPresent()).isTrue();
        assertThat(result.skipped()).containsExactly("admin.system.users (system collection)");

        for (DumpFixture.Coll c : fixture.collections.values()) {
            Map<String, byte[]> actual = documents(target, c.db(), c.name());
            Map<String, byte[]> wanted = expected(c.docs());
            assertThat(actual.keySet()).as(c.ns()).isEqualTo(wanted.keySet());
            wanted.forEach((id, bytes) -> assertThat(actual.get(id)).as(c.ns() + " " + id).isEqualTo(bytes));
        }
        assertThat(collectionNames(target, "shop")).contains("empty");
        assertThat(collectionNames(target, "crm")).contains("activeCustomers");
        assertThat(target.listDatabaseNames().into(new ArrayList<>())).doesNotContain("admin");

        Map<String, BsonDocument> orderIndexes = new HashMap<>();
        target.getDatabase("shop").getCollection("orders").listIndexes(BsonDocument.class)
                .forEach(spec -> orderIndexes.put(spec.getString("name").getValue(), spec));
        assertThat(orderIndexes.keySet()).containsExactlyInAnyOrder("_id_", "orderNo_1", "customer_1_createdAt_-1",
                "expiresAt_ttl", "coupon_sparse", "open_by_total");
        assertThat(orderIndexes.get("orderNo_1").getBoolean("unique").getValue()).isTrue();
        assertThat(orderIndexes.get("customer_1_createdAt_-1").getDocument("key"))
                .isEqualTo(new BsonDocument("customer", new BsonInt32(1)).append("createdAt", new BsonInt32(-1)));
        assertThat(orderIndexes.get("expiresAt_ttl").get("expireAfterSeconds")).isEqualTo(new BsonInt32(3600));
        assertThat(orderIndexes.get("coupon_sparse").getBoolean("sparse").getValue()).isTrue();
        assertThat(orderIndexes.get("open_by_total").getDocument("partialFilterExpression"))
                .isEqualTo(new BsonDocument("status", new BsonString("open")));
        assertThat(orderIndexes.values()).allSatisfy(spec -> assertThat(spec).doesNotContainKey("ns"));

        CompareResult compare = DatabaseComparator.compare(sourceServer.client(), target, DATABASES);
        assertThat(compare.differences()).isEmpty();
        assertThat(compare.identical()).isTrue();
        assertThat(compare.documents()).isEqualTo(expectedDocs);
        assertThat(compare.collections()).isEqualTo(7); // six collections and the view
    }

    @Test
    void insertsInBatchesOfAtMostAThousandDocumentsOrEightMegabytes() {
        restore(new RestoreOptions(false, List.of("shop.big", "shop.blobs"), ""));

        assertThat(insertBatchSizes("big")).containsExactly(1000, 1000, 500);
        int perBatch = DriverRestore.BATCH_BYTES / fixture.get("shop.blobs").docs().get(0).getByteBuffer().remaining();
        assertThat(perBatch).isBetween(50, 100);
        assertThat(insertBatchSizes("blobs")).containsExactly(perBatch, perBatch, 200 - 2 * perBatch);
    }

    private List<Integer> insertBatchSizes(String collection) {
        return targetServer.commands("insert").stream()
                .filter(c -> c.getCommand().getString("insert").getValue().equals(collection))
                .map(c -> c.getCommand().getArray("documents").size())
                .toList();
    }

    @Test
    void uniqueIndexIsEnforcedAfterRestore() {
        restore(RestoreOptions.defaults());
        MongoCollection<BsonDocument> orders = target.getDatabase("shop").getCollection("orders", BsonDocument.class);
        assertThatThrownBy(() -> orders.insertOne(new BsonDocument("orderNo", new BsonInt32(1000))))
                .hasMessageContaining("duplicate key");
    }

    @Test
    void refusesNonEmptyTargetAndWritesNothing() {
        MongoCollection<BsonDocument> orders = target.getDatabase("shop").getCollection("orders", BsonDocument.class);
        orders.insertOne(new BsonDocument("_id", new BsonString("precious")));

        assertThatThrownBy(() -> restore(RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .hasMessage("target collection shop.orders is not empty; use --drop");

        assertThat(orders.find().into(new ArrayList<>())).containsExactly(new BsonDocument("_id", new BsonString("precious")));
        assertThat(collectionNames(target, "shop")).containsExactly("orders");
        assertThat(collectionNames(target, "crm")).isEmpty();
        assertThat(orders.listIndexes().into(new ArrayList<>())).hasSize(1);
    }

    @Test
    void refusesAnExistingViewWithoutDrop() {
        target.getDatabase("crm").createCollection("activeCustomers");
        assertThatThrownBy(() -> restore(RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .hasMessage("target view crm.activeCustomers already exists; use --drop");
        assertThat(collectionNames(target, "shop")).isEmpty();
    }

    @Test
    void restoresIntoAnExistingEmptyCollection() {
        target.getDatabase("shop").createCollection("orders");
        RestoreResult result = restore(RestoreOptions.defaults());
        assertThat(result.namespaces()).contains("shop.orders");
        assertThat(DatabaseComparator.compare(sourceServer.client(), target, DATABASES).differences()).isEmpty();
    }

    @Test
    void dropReplacesExistingCollections() {
        MongoCollection<BsonDocument> orders = target.getDatabase("shop").getCollection("orders", BsonDocument.class);
        orders.insertOne(new BsonDocument("_id", new BsonString("stale")).append("orderNo", new BsonInt32(1)));
        orders.createIndex(Indexes.ascending("stale"), new IndexOptions().name("stale_1"));
        target.getDatabase("crm").getCollection("customers", BsonDocument.class).insertOne(new BsonDocument("_id", new BsonInt32(1)));
        target.getDatabase("crm").createCollection("activeCustomers");

        RestoreResult result = restore(new RestoreOptions(true, List.of(), ""));

        assertThat(result.documents()).isEqualTo(fixture.collections.values().stream().mapToInt(c -> c.docs().size()).sum());
        assertThat(orders.find(Filters.eq("_id", "stale")).first()).isNull();
        CompareResult compare = DatabaseComparator.compare(sourceServer.client(), target, DATABASES);
        assertThat(compare.differences()).isEmpty();
    }

    @Test
    void nsIncludeSelectsDatabasesAndCollections() {
        RestoreResult shopOnly = restore(new RestoreOptions(false, List.of("shop.*"), ""));
        assertThat(shopOnly.namespaces()).containsExactly("shop.big", "shop.blobs", "shop.empty", "shop.mixed", "shop.orders");
        assertThat(shopOnly.views()).isEmpty();
        assertThat(shopOnly.skipped()).isEmpty();
        assertThat(shopOnly.databases()).isEqualTo(1);
        assertThat(collectionNames(target, "crm")).isEmpty();
    }

    @Test
    void nsIncludeWithSeveralPatternsAndWildcardDatabase() {
        RestoreResult result = restore(new RestoreOptions(false, List.of("*.customers", "shop.m*"), ""));
        assertThat(result.namespaces()).containsExactly("crm.customers", "shop.mixed");
        assertThat(collectionNames(target, "shop")).containsExactly("mixed");
        assertThat(documents(target, "crm", "customers")).hasSize(fixture.get("crm.customers").docs().size());
    }

    @Test
    void nsIncludePatternMustNameADatabaseAndCollection() {
        assertThatThrownBy(() -> restore(new RestoreOptions(false, List.of("shop"), "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nsInclude");
    }

    @Test
    void dbPrefixMapsDatabaseNames() {
        RestoreResult result = restore(new RestoreOptions(false, List.of("shop.orders", "crm.*"), "restored_"));
        assertThat(result.namespaces()).containsExactly("restored_crm.customers", "restored_shop.orders");
        assertThat(result.views()).containsExactly("restored_crm.activeCustomers");
        assertThat(collectionNames(target, "shop")).isEmpty();
        Map<String, byte[]> actual = documents(target, "restored_shop", "orders");
        Map<String, byte[]> wanted = expected(fixture.get("shop.orders").docs());
        assertThat(actual.keySet()).isEqualTo(wanted.keySet());
        wanted.forEach((id, bytes) -> assertThat(actual.get(id)).isEqualTo(bytes));
    }

    @Test
    void invalidPrefixIsRefusedBeforeWriting() {
        assertThatThrownBy(() -> restore(new RestoreOptions(false, List.of(), "bad.prefix_")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.prefix_");
        assertThat(target.listDatabaseNames().into(new ArrayList<>())).isEmpty();
    }

    @Test
    void missingDumpDirectoryFails() {
        assertThatThrownBy(() -> new DriverRestore(target).restoreDump(tmp.resolve("nope"), RestoreOptions.defaults()))
                .hasMessageContaining("dump directory does not exist");
    }

    @Test
    void corruptBsonFileFailsNamingTheFile() throws IOException {
        Path orders = dump.resolve("shop/orders.bson");
        byte[] bytes = Files.readAllBytes(orders);
        Files.write(orders, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> restore(new RestoreOptions(false, List.of("shop.orders"), "")))
                .hasMessageContaining("orders.bson")
                .hasMessageContaining("truncated");
    }

    /** Collections go in parallel (default 4); one failing collection fails the restore naming it, the others are not lost track of. */
    @Test
    void parallelRestoreFailsNamingTheBrokenCollectionAndOneThreadGivesTheSameData() throws IOException {
        Path orders = dump.resolve("shop/orders.bson");
        byte[] bytes = Files.readAllBytes(orders);
        Files.write(orders, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> new DriverRestore(target, 4).restoreDump(dump, RestoreOptions.defaults()))
                .hasMessageContaining("orders.bson")
                .hasMessageContaining("truncated");
        Files.write(orders, bytes);

        RestoreResult one = new DriverRestore(target, 1).restoreDump(dump, new RestoreOptions(true, List.of(), ""));
        RestoreResult four = new DriverRestore(target, 4).restoreDump(dump, new RestoreOptions(true, List.of(), ""));
        assertThat(four.namespaces()).isEqualTo(one.namespaces());
        assertThat(four.documents()).isEqualTo(one.documents());
        assertThat(four.indexes()).isEqualTo(one.indexes());
        assertThat(DatabaseComparator.compare(sourceServer.client(), target, DATABASES).identical()).isTrue();
        assertThatThrownBy(() -> new DriverRestore(target, 0)).hasMessageContaining("at least 1");
    }

    @Test
    void restoresWithoutMetadataFile() throws IOException {
        Files.delete(dump.resolve("shop/mixed.metadata.json"));
        RestoreResult result = restore(new RestoreOptions(false, List.of("shop.mixed"), ""));
        assertThat(result.documents()).isEqualTo(fixture.get("shop.mixed").docs().size());
        assertThat(result.indexes()).isZero();
    }

    @Test
    void theInsertsArePrintedAsProgressEndingWithTheBytesOfTheDumpAndTheDocumentsInserted() throws IOException {
        java.io.StringWriter err = new java.io.StringWriter();
        org.ipfsbackup.observe.ProgressReporter.useStream(new java.io.PrintWriter(err), false, java.time.Duration.ZERO);
        RestoreResult result;
        try {
            result = restore(RestoreOptions.defaults());
        } finally {
            org.ipfsbackup.observe.ProgressReporter.useLog();
        }
        long bsonBytes;
        try (var files = Files.walk(dump)) {
            bsonBytes = files.filter(f -> f.toString().endsWith(".bson") && !f.getFileName().toString().startsWith("oplog")
                    && !f.toString().contains("system.")).mapToLong(f -> f.toFile().length()).sum();
        }
        List<String> lines = err.toString().lines().toList();
        String total = org.ipfsbackup.status.HumanSize.of(bsonBytes);
        assertThat(lines.get(lines.size() - 1)).as(err.toString()).startsWith("restore: " + total + " of " + total + " (100%), ")
                .endsWith(", " + result.documents() + " documents inserted");
        assertThat(result.documents()).isPositive();
    }
}
