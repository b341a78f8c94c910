package org.ipfsbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.ipfsbackup.testing.InJvmMongo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoCollection;

/**
 * {@code restore-dump DIR --after-mongorestore}: what restoring by hand on FerretDB needs after
 * {@code mongorestore --noIndexRestore}: the indexes of metadata.json and the oplog, and no document of the dump.
 */
class RestoreDumpAfterMongorestoreTest {

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static byte[] bson(BsonDocument... docs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (BsonDocument d : docs) {
            RawBsonDocument raw = new RawBsonDocument(d, new BsonDocumentCodec());
            out.write(raw.getByteBuffer().array(), 0, raw.getByteBuffer().remaining());
        }
        return out.toByteArray();
    }

    private static BsonDocument insert(int increment, int id) {
        return new BsonDocument("ts", new BsonTimestamp(1_700_000_000, increment)).append("op", new BsonString("i"))
                .append("ns", new BsonString("shop.orders")).append("o", new BsonDocument("_id", new BsonInt32(id))
                        .append("sku", new BsonString("s" + id)));
    }

    @Test
    void createsTheIndexesAndReplaysTheOplogButWritesNoDocumentOfTheDump() throws Exception {
        Path dump = Files.createDirectories(tmp.resolve("dump/shop"));
        // a document in the .bson file that mongorestore restored already; this command must not insert it again
        Files.write(dump.resolve("orders.bson"), bson(new BsonDocument("_id", new BsonInt32(1)).append("sku", new BsonString("s1"))));
        Files.writeString(dump.resolve("orders.metadata.json"), "{\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"_id\":"
                + "{\"$numberInt\":\"1\"}},\"name\":\"_id_\"},{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"sku\":{\"$numberInt\":\"1\"}},"
                + "\"name\":\"sku_unique\",\"unique\":true,\"ns\":\"shop.orders\"}],\"collectionName\":\"orders\",\"type\":\"collection\"}");
        Files.write(tmp.resolve("dump/oplog.bson"), bson(insert(1, 2), insert(2, 3)));
        try (InJvmMongo mongo = InJvmMongo.start(false)) {
            MongoCollection<BsonDocument> orders = mongo.client().getDatabase("shop").getCollection("orders", BsonDocument.class);
            orders.insertOne(new BsonDocument("_id", new BsonInt32(10)).append("sku", new BsonString("restored-by-mongorestore")));

            Run r = cli("restore-dump", tmp.resolve("dump").toString(), "--after-mongorestore", "--target-uri", mongo.uri(), "--json");

            assertThat(r.code()).as(r.err()).isZero();
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertThat(json.get("indexes").asInt()).isEqualTo(1);
            assertThat(json.get("oplogApplied").asLong()).isEqualTo(2);
            List<Integer> ids = new ArrayList<>();
            orders.find().sort(new BsonDocument("_id", new BsonInt32(1))).forEach(d -> ids.add(d.getInt32("_id").getValue()));
            assertThat(ids).as("the oplog's inserts, not the .bson file's document").containsExactly(2, 3, 10);
            List<String> names = new ArrayList<>();
            orders.listIndexes(BsonDocument.class).forEach(ix -> names.add(ix.getString("name").getValue()));
            assertThat(names).contains("sku_unique");

            Run drop = cli("restore-dump", tmp.resolve("dump").toString(), "--after-mongorestore", "--drop", "--target-uri", mongo.uri());
            assertThat(drop.code()).isEqualTo(2);
            assertThat(drop.err()).contains("--drop does not go with --after-mongorestore");
            assertThat(orders.countDocuments()).isEqualTo(3);
        }
    }
}
