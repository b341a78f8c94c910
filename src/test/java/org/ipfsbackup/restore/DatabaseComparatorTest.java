package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;

class DatabaseComparatorTest {

    private static final List<String> DATABASES = List.of("shop", "crm");

    private final DumpFixture fixture = new DumpFixture();
    private MongoTestServer sourceServer;
    private MongoTestServer targetServer;
    private MongoClient source;
    private MongoClient target;

    @BeforeEach
    void setUp() {
        sourceServer = new MongoTestServer();
        targetServer = new MongoTestServer();
        source = sourceServer.client();
        target = targetServer.client();
        fixture.loadInto(source);
        fixture.loadInto(target);
    }

    @AfterEach
    void tearDown() {
        sourceServer.close();
        targetServer.close();
    }

    private CompareResult compare() {
        return DatabaseComparator.compare(source, target, DATABASES);
    }

    private MongoCollection<BsonDocument> targetOrders() {
        return target.getDatabase("shop").getCollection("orders", BsonDocument.class);
    }

    private static String idText(RawBsonDocument doc) {
        return DatabaseComparator.text(doc.get("_id"));
    }

    @Test
    void identicalDatabasesHaveNoDifferences() {
        CompareResult result = compare();
        assertThat(result.differences()).isEmpty();
        assertThat(result.identical()).isTrue();
        assertThat(result.collections()).isEqualTo(7);
        assertThat(result.documents()).isEqualTo(fixture.collections.values().stream().mapToLong(c -> c.docs().size()).sum());
    }

    @Test
    void findsAChangedField() {
        RawBsonDocument third = fixture.get("shop.orders").docs().get(3);
        targetOrders().updateOne(Filters.eq("_id", third.get("_id")), Updates.set("status", "refunded"));

        CompareResult result = compare();
        assertThat(result.identical()).isFalse();
        assertThat(result.differences()).containsExactly("shop.orders _id=" + idText(third)
                + ": document differs: field 'status' differs: source \"open\", target \"refunded\"");
    }

    @Test
    void findsANumericTypeChangeWithTheSameValue() {
        RawBsonDocument first = fixture.get("crm.customers").docs().get(0);
        BsonDocument changed = new BsonDocument(); // $set of an equal number is a no-op on mongo-java-server: replace
        changed.putAll(first);
        changed.put("visits", new BsonInt64(0));
        target.getDatabase("crm").getCollection("customers", BsonDocument.class)
                .replaceOne(Filters.eq("_id", first.get("_id")), changed);

        assertThat(compare().differences()).singleElement().asString()
                .startsWith("crm.customers _id=" + idText(first))
                .endsWith("field 'visits' differs: source 0 (int32), target 0 (int64)");
    }

    @Test
    void namesTheBsonTypesWhenTheValuesPrintTheSame() {
        MongoCollection<BsonDocument> sourceNumbers = source.getDatabase("shop").getCollection("numbers", BsonDocument.class);
        MongoCollection<BsonDocument> targetNumbers = target.getDatabase("shop").getCollection("numbers", BsonDocument.class);
        sourceNumbers.insertOne(new BsonDocument("_id", new BsonInt32(1)).append("i32", new BsonInt32(Integer.MAX_VALUE)));
        targetNumbers.insertOne(new BsonDocument("_id", new BsonInt32(1)).append("i32", new BsonInt64(Integer.MAX_VALUE)));
        // an int32 nested in a document and in an array, an int64 on the target: the path to the value is named
        sourceNumbers.insertOne(new BsonDocument("_id", new BsonInt32(2))
                .append("n", new BsonDocument("a", new BsonString("same")).append("x", new BsonInt32(7))));
        targetNumbers.insertOne(new BsonDocument("_id", new BsonInt32(2))
                .append("n", new BsonDocument("a", new BsonString("same")).append("x", new BsonInt64(7))));
        sourceNumbers.insertOne(new BsonDocument("_id", new BsonInt32(3)).append("list",
                new org.bson.BsonArray(List.of(new BsonInt32(1), new BsonDocument("y", new BsonDouble(2.5))))));
        targetNumbers.insertOne(new BsonDocument("_id", new BsonInt32(3)).append("list",
                new org.bson.BsonArray(List.of(new BsonInt32(1), new BsonDocument("y", new org.bson.BsonDecimal128(
                        org.bson.types.Decimal128.parse("2.5")))))));

        assertThat(compare().differences()).containsExactly(
                "shop.numbers _id=1: document differs: field 'i32' differs: source 2147483647 (int32), target 2147483647 (int64)",
                "shop.numbers _id=2: document differs: field 'n.x' differs: source 7 (int32), target 7 (int64)",
                "shop.numbers _id=3: document differs: field 'list.1.y' differs: source 2.5, target {\"$numberDecimal\": \"2.5\"}");
    }

    @Test
    void valuesThatPrintDifferentlyCarryNoTypes() {
        BsonDocument a = new BsonDocument("_id", new BsonInt32(1)).append("x", new BsonInt32(1));
        BsonDocument b = new BsonDocument("_id", new BsonInt32(1)).append("x", new BsonDouble(1));
        assertThat(DatabaseComparator.describe(a, b)).isEqualTo("field 'x' differs: source 1, target 1.0");
        BsonDocument c = new BsonDocument("_id", new BsonInt32(1)).append("x", new BsonDocument("p", new BsonInt32(1))
                .append("q", new BsonInt32(2)));
        BsonDocument d = new BsonDocument("_id", new BsonInt32(1)).append("x", new BsonDocument("q", new BsonInt32(2))
                .append("p", new BsonInt32(1)));
        assertThat(DatabaseComparator.describe(c, d))
                .isEqualTo("field order or names differ in 'x': source has 'p' where target has 'q'");
    }

    @Test
    void findsAFieldOrderChange() {
        MongoCollection<BsonDocument> mixed = target.getDatabase("shop").getCollection("mixed", BsonDocument.class);
        mixed.insertOne(new BsonDocument("_id", new BsonString("zz")).append("a", new BsonInt32(1)).append("b", new BsonInt32(2)));
        source.getDatabase("shop").getCollection("mixed", BsonDocument.class)
                .insertOne(new BsonDocument("_id", new BsonString("zz")).append("b", new BsonInt32(2)).append("a", new BsonInt32(1)));

        assertThat(compare().differences()).containsExactly(
                "shop.mixed _id=\"zz\": document differs: field order or names differ: source has 'b' where target has 'a'");
    }

    @Test
    void findsMissingAndExtraDocuments() {
        RawBsonDocument gone = fixture.get("shop.orders").docs().get(10);
        targetOrders().deleteOne(Filters.eq("_id", gone.get("_id")));
        ObjectId extraId = new ObjectId(1_800_000_000, 1);
        targetOrders().insertOne(new BsonDocument("_id", new org.bson.BsonObjectId(extraId)).append("orderNo", new BsonInt32(9999)));
        target.getDatabase("shop").getCollection("mixed", BsonDocument.class)
                .insertOne(new BsonDocument("_id", new BsonDouble(3.25)));

        assertThat(compare().differences()).containsExactlyInAnyOrder(
                "shop.orders _id=" + idText(gone) + ": missing on target",
                "shop.orders _id={\"$oid\": \"" + extraId.toHexString() + "\"}: on target only (extra)",
                "shop.mixed _id=3.25: on target only (extra)");
    }

    @Test
    void findsMissingExtraAndChangedIndexes() {
        targetOrders().dropIndex("orderNo_1");
        targetOrders().createIndex(Indexes.ascending("weight"), new IndexOptions().name("weight_1"));
        MongoCollection<BsonDocument> customers = target.getDatabase("crm").getCollection("customers", BsonDocument.class);
        customers.dropIndex("email_1");
        customers.createIndex(Indexes.ascending("email"), new IndexOptions().name("email_1"));

        List<String> differences = compare().differences();
        assertThat(differences).hasSize(3);
        assertThat(differences).contains(
                "shop.orders: index 'orderNo_1' missing on target",
                "shop.orders: index 'weight_1' on target only (extra)");
        assertThat(differences).anySatisfy(d -> assertThat(d).startsWith("crm.customers: index 'email_1' differs: source ")
                .contains("\"unique\": true"));
    }

    @Test
    void indexKeyOrderMatters() {
        MongoCollection<BsonDocument> big = target.getDatabase("shop").getCollection("big", BsonDocument.class);
        MongoCollection<BsonDocument> sourceBig = source.getDatabase("shop").getCollection("big", BsonDocument.class);
        sourceBig.createIndex(Indexes.compoundIndex(Indexes.ascending("a"), Indexes.ascending("b")), new IndexOptions().name("ab"));
        big.createIndex(Indexes.compoundIndex(Indexes.ascending("b"), Indexes.ascending("a")), new IndexOptions().name("ab"));

        assertThat(compare().differences()).singleElement().asString().startsWith("shop.big: index 'ab' differs");
    }

    @Test
    void indexNumbersCompareByValueAndFalseFlagsCountAsAbsent() {
        source.getDatabase("shop").runCommand(new BsonDocument("createIndexes", new BsonString("big")).append("indexes",
                new org.bson.BsonArray(List.of(new BsonDocument("key", new BsonDocument("x", new BsonInt32(1)))
                        .append("name", new BsonString("x_1")).append("unique", org.bson.BsonBoolean.FALSE)))));
        target.getDatabase("shop").runCommand(new BsonDocument("createIndexes", new BsonString("big")).append("indexes",
                new org.bson.BsonArray(List.of(new BsonDocument("key", new BsonDocument("x", new BsonDouble(1.0)))
                        .append("name", new BsonString("x_1"))))));

        assertThat(compare().differences()).isEmpty();
    }

    @Test
    void findsMissingAndExtraCollections() {
        target.getDatabase("shop").getCollection("empty").drop();
        target.getDatabase("crm").getCollection("leads").insertOne(new org.bson.Document("_id", 1));

        CompareResult result = compare();
        assertThat(result.differences()).containsExactlyInAnyOrder(
                "shop.empty: missing on target",
                "crm.leads: on target only (extra)");
    }

    @Test
    void missingDatabaseListsEveryCollection() {
        target.getDatabase("crm").drop();
        assertThat(compare().differences()).containsExactlyInAnyOrder(
                "crm.activeCustomers: missing on target",
                "crm.customers: missing on target");
    }

    @Test
    void listsOnlyTheFirstDifferencesAndCountsTheRest() {
        MongoCollection<BsonDocument> big = target.getDatabase("shop").getCollection("big", BsonDocument.class);
        big.deleteMany(Filters.lt("_id", 5));

        CompareResult result = DatabaseComparator.compare(source, target, DATABASES, 2);
        assertThat(result.differences()).containsExactly(
                "shop.big _id=0: missing on target",
                "shop.big _id=1: missing on target",
                "... and 3 more differences");
        assertThat(result.identical()).isFalse();
    }

    @Test
    void maxDifferencesMustBePositive() {
        assertThatThrownBy(() -> DatabaseComparator.compare(source, target, DATABASES, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void describeNamesMissingAndExtraFields() {
        BsonDocument a = new BsonDocument("_id", new BsonInt32(1)).append("x", new BsonInt64(1));
        BsonDocument b = new BsonDocument("_id", new BsonInt32(1));
        assertThat(DatabaseComparator.describe(a, b)).isEqualTo("field 'x' missing on target");
        assertThat(DatabaseComparator.describe(b, a)).isEqualTo("field 'x' on target only");
    }
}
