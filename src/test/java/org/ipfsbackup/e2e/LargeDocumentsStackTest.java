package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.cli.Main;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.PrivateFerret;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.restore.CompareResult;
import org.ipfsbackup.restore.DatabaseComparator;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Documents of the largest size MongoDB allows (16 MiB - 1 byte) on FerretDB, which answers a read with one batch of
 * any size: the driver dump reads them (alone, and among many small documents), the oplog of an incremental that
 * inserts and replaces them is read too (each entry is larger than the document), and the chain restores byte for
 * byte. The source is a FerretDB of this test's own ({@link PrivateFerret}): FerretDB answers every oplog query by
 * scanning the whole oplog, and these entries would slow down every later test on the shared stack's.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class LargeDocumentsStackTest {

    static final int MAX_DOCUMENT = 16 * 1024 * 1024 - 1;

    @TempDir
    Path tmp;

    private final Random random = new Random(10);

    /** A document of exactly {@code size} bytes: {_id, kind, b: random binary filling the rest}. */
    BsonDocument document(int id, int size) {
        BsonDocument d = new BsonDocument("_id", new BsonInt32(id)).append("kind", new BsonString("large"))
                .append("b", new BsonBinary(new byte[0]));
        int overhead = new RawBsonDocument(d, new BsonDocumentCodec()).getByteBuffer().remaining();
        byte[] fill = new byte[size - overhead];
        random.nextBytes(fill);
        d.put("b", new BsonBinary(fill));
        assertThat(new RawBsonDocument(d, new BsonDocumentCodec()).getByteBuffer().remaining()).isEqualTo(size);
        return d;
    }

    @Test
    void largestDocumentsBackUpAndRestoreByteForByte(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String db = "large_" + UUID.randomUUID().toString().substring(0, 8);
        try (PrivateFerret ferret = PrivateFerret.start(Path.of(env.get("DEVSTACK_BIN")), tmp.resolve("ferretdb"),
                LocalStack.OPLOG_SIZE_BYTES)) {
            backUpAndRestore(env, ferret.uri(), db);
        } finally {
            try (MongoClient c = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
                c.getDatabase(db).drop();
            }
        }
    }

    private void backUpAndRestore(Map<String, String> env, String sourceUri, String db) throws Exception {
        Map<String, String> settings = TestSettings.stack(env, tmp.resolve("work"));
        settings.put("mongodb.uri", sourceUri);
        settings.put("dump.include-databases", db);
        // about the driver engine: its batches against the driver's 48 MB reply limit
        settings.put("dump.engine", "driver");
        Path config = tmp.resolve("stack.properties");
        Files.write(config, settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());

        try (MongoClient source = MongoClients.create(sourceUri);
             MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            MongoDatabase database = source.getDatabase(db);
            // three of them: 48 MiB in one batch, over the driver's 48 MB reply limit
            MongoCollection<BsonDocument> huge = database.getCollection("huge", BsonDocument.class);
            for (int i = 0; i < 3; i++) {
                huge.insertOne(document(i, MAX_DOCUMENT));
            }
            // three together among a thousand small ones: the average size says a batch of hundreds is fine
            MongoCollection<BsonDocument> mixed = database.getCollection("mixed", BsonDocument.class);
            List<BsonDocument> small = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                small.add(new BsonDocument("_id", new BsonInt32(10_000 + i)).append("v", new BsonString("small " + i)));
            }
            mixed.insertMany(small.subList(0, 500));
            for (int i = 0; i < 3; i++) {
                mixed.insertOne(document(i, MAX_DOCUMENT));
            }
            mixed.insertMany(small.subList(500, 1000));

            BackupApplication.Outcome full = PointInTimeStackTest.backup(config, "full", env);
            assertThat(full.entry().documents()).isEqualTo(1006);

            // the incremental's oplog: two inserts and a replacement, each entry larger than 16 MiB, three in a batch
            for (int i = 3; i < 5; i++) {
                huge.insertOne(document(i, MAX_DOCUMENT));
            }
            huge.replaceOne(Filters.eq("_id", 0), document(0, MAX_DOCUMENT));
            mixed.deleteOne(Filters.eq("_id", 1));
            BackupApplication.Outcome incremental = PointInTimeStackTest.backup(config, "incremental", env);
            assertThat(incremental.entry().previous()).isEqualTo(full.entry().cid());
            assertThat(incremental.entry().oplogOperations()).isGreaterThanOrEqualTo(4);

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            Map<String, String> cliEnv = new HashMap<>(TestSettings.stackSecrets(env));
            int code = Main.execute(cliEnv, new PrintWriter(out, true), new PrintWriter(err, true), "restore", "latest",
                    "--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop", "--engine", "driver", "--config", config.toString());
            assertThat(code).as(err.toString()).isZero();

            CompareResult c = DatabaseComparator.compare(source, target, List.of(db));
            assertThat(c.differences()).isEmpty();
            assertThat(c.documents()).isEqualTo(1007);
            assertThat(target.getDatabase(db).getCollection("huge").countDocuments()).isEqualTo(5);
        }
    }
}
