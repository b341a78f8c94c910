package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.restore.CompareResult;
import org.ipfsbackup.restore.DatabaseComparator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;

/**
 * Interop of the two dump engines and the two restore engines on the stack, with the real mongodump and mongorestore
 * (mongo-tools 100.10.0): a backup chain (full + incremental) made by mongodump, and one made by the driver engine,
 * each restored by {@code restore latest --engine driver} and by {@code restore latest --engine mongorestore} into an
 * empty FerretDB, and compared with the source document by document (raw BSON, by {@code _id}) and index by index.
 * FerretDB has no applyOps, so {@code --engine mongorestore} there restores the collections with mongorestore
 * ({@code --noIndexRestore}) and the indexes and the oplog with the driver; the CLI says so.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class MongoToolsInteropStackTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "a backup made by {0}, restored by each engine")
    @ValueSource(strings = {"mongodump", "driver"})
    void aBackupMadeByEitherDumpEngineRestoresExactlyWithEitherRestoreEngine(String dumpEngine, LocalStack stack) throws Exception {
        StackApp app = new StackApp(stack, tmp, Map.of("dump.engine", dumpEngine));
        app.tool("mongodump");
        app.tool("mongorestore");
        try (MongoClient source = MongoClients.create(app.env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(app.env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<BsonDocument> mixed = source.getDatabase("interop").getCollection("mixed", BsonDocument.class);
            mixed.drop();
            source.getDatabase("interop").getCollection("afterFull").drop();
            List<BsonDocument> docs = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                docs.add(everyType(i));
            }
            mixed.insertMany(docs);
            mixed.createIndex(Indexes.ascending("sku"), new IndexOptions().unique(true).name("sku_unique"));
            mixed.createIndex(Indexes.compoundIndex(Indexes.ascending("nested.x"), Indexes.descending("at")));
            BackupApplication.Outcome full = app.backup("full");
            assertThat(full.entry().engine()).isEqualTo(dumpEngine);

            MongoCollection<Document> plain = source.getDatabase("interop").getCollection("mixed");
            plain.updateOne(Filters.eq("sku", "sku-1"), Updates.set("qty", 1_000));
            plain.updateOne(Filters.eq("sku", "sku-2"), Updates.unset("note"));
            plain.deleteOne(Filters.eq("sku", "sku-3"));
            mixed.insertOne(everyType(1_000));
            source.getDatabase("interop").getCollection("afterFull").insertOne(new Document("_id", 1).append("v", "new"));
            BackupApplication.Outcome inc = app.backup("incremental");
            assertThat(inc.entry().baseBackup()).isEqualTo(full.entry().cid());
            List<String> databases = full.entry().databases();
            assertThat(databases).contains("interop", "shop");

            for (String restoreEngine : List.of("driver", "mongorestore")) {
                StackApp.emptyTarget(target);
                StackApp.Run r = app.cli("restore", "latest", "--target-uri", app.env.get("RESTORE_MONGODB_URI"),
                        "--engine", restoreEngine, "--json");
                assertThat(r.code()).as(r.err()).isZero();
                JsonNode json = new ObjectMapper().readTree(r.out());
                assertThat(json.get("incrementals")).hasSize(1);
                if (restoreEngine.equals("mongorestore")) {
                    assertThat(json.get("engine").asText()).isEqualTo("mongorestore+driver");
                    assertThat(r.err()).contains("restore engine: mongorestore (" + app.tool("mongorestore"))
                            .contains("the target has no applyOps")
                            .contains("the driver created");
                    assertThat(json.get("indexes").asInt()).isGreaterThanOrEqualTo(2);
                } else {
                    assertThat(json.get("engine").asText()).isEqualTo("driver");
                }
                assertThat(json.get("oplogApplied").asLong()).as(restoreEngine).isGreaterThanOrEqualTo(5);

                CompareResult c = DatabaseComparator.compare(source, target, databases);
                assertThat(c.differences()).as(dumpEngine + "-made backup restored by " + restoreEngine).isEmpty();
                assertThat(c.documents()).isGreaterThan(4000);
                List<String> indexNames = new ArrayList<>();
                target.getDatabase("interop").getCollection("mixed").listIndexes(BsonDocument.class)
                        .forEach(ix -> indexNames.add(ix.getString("name").getValue()));
                assertThat(indexNames).as(restoreEngine).contains("sku_unique", "nested.x_1_at_-1");
                assertThat(target.getDatabase("interop").getCollection("afterFull").find().first())
                        .isEqualTo(new Document("_id", 1).append("v", "new"));
            }
        }
    }

    /** One document with every BSON type FerretDB 1.24 stores (no Decimal128, JavaScript, Min/MaxKey, nested arrays). */
    private static BsonDocument everyType(int i) {
        return new BsonDocument("_id", new BsonObjectId())
                .append("sku", new BsonString("sku-" + i))
                .append("qty", new BsonInt32(i))
                .append("big", new BsonInt64((1L << 40) + i))
                .append("weight", new BsonDouble(i / 7.0))
                .append("gift", BsonBoolean.valueOf(i % 2 == 0))
                .append("note", i % 5 == 0 ? BsonNull.VALUE : new BsonString("ünïcødé ✓ " + i))
                .append("at", new BsonDateTime(1_700_000_000_000L + i * 60_000L))
                .append("tags", new BsonArray(List.of(new BsonString("a"), new BsonInt32(i))))
                .append("uuid", new BsonBinary(UUID.nameUUIDFromBytes(new byte[] {(byte) i})))
                .append("blob", new BsonBinary(new byte[] {1, 2, (byte) i}))
                .append("pattern", new BsonRegularExpression("^a" + i, "i"))
                .append("ts", new BsonTimestamp(1_700_000_000, i))
                .append("nested", new BsonDocument("x", new BsonInt32(i % 17)).append("y", new BsonDocument("z", new BsonString("deep"))));
    }
}
