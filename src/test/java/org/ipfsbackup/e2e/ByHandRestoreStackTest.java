package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bson.BsonDocument;
import org.bson.Document;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.devstack.GreenMailMain;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.restore.CompareResult;
import org.ipfsbackup.restore.DatabaseComparator;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;

/**
 * README.md's "Restoring by hand", run as written: its shell blocks, taken from the README itself, with bash, the
 * real mongorestore (mongo-tools 100.10.0 from the stack's build), tar and the application's CLI; then every document
 * and index of the restored databases is compared with the source. The Python decryptor of docs/format.md, taken from
 * that file, must give the same archive as {@code decrypt}. The README's statements about plain mongorestore on
 * FerretDB (indexes refused for their {@code ns} field, no {@code applyOps} for {@code --oplogReplay}) are checked
 * with the same binary.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class ByHandRestoreStackTest {

    private static final Pattern SH_BLOCK = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL);
    private static final Pattern PYTHON_BLOCK = Pattern.compile("```python\n(.*?)```", Pattern.DOTALL);
    private static final String KEY_LINE = "export BACKUP_ENCRYPTION_KEY=...";
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);

    @TempDir
    Path tmp;

    @Test
    void theReadmeBlocksRestoreAFullAndAnIncrementalIntoAnEmptyFerretDbExactly(LocalStack stack) throws Exception {
        // a mongodump-made backup, as the service makes by default where mongodump is installed
        StackApp app = new StackApp(stack, tmp, Map.of("dump.engine", "mongodump"));
        Path mongorestore = app.tool("mongorestore");
        app.tool("mongodump");
        List<String> blocks = readmeBlocks();
        String fetchFull = block(blocks, "download \"$CID\"");
        String ferretDb = block(blocks, "--noIndexRestore");
        String incremental = block(blocks, "$INCREMENTAL_CID");
        assertThat(fetchFull).startsWith(KEY_LINE);

        try (MongoClient source = MongoClients.create(app.env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(app.env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<Document> items = source.getDatabase("byhand").getCollection("items");
            items.drop();
            source.getDatabase("byhand").getCollection("later").drop();
            for (int i = 1; i <= 5; i++) {
                items.insertOne(new Document("_id", i).append("sku", "sku-" + i).append("qty", i));
            }
            items.createIndex(Indexes.ascending("sku"), new IndexOptions().unique(true).name("sku_unique"));
            items.createIndex(Indexes.compoundIndex(Indexes.ascending("qty"), Indexes.descending("sku")));
            BackupApplication.Outcome full = app.backup("full");
            assertThat(full.entry().engine()).isEqualTo("mongodump");
            // after the full: an update, a delete, an insert, and a collection the full does not have
            items.updateOne(Filters.eq("_id", 1), Updates.set("qty", 100));
            items.deleteOne(Filters.eq("_id", 2));
            items.insertOne(new Document("_id", 6).append("sku", "sku-6").append("qty", 6));
            source.getDatabase("byhand").getCollection("later").insertOne(new Document("_id", "x").append("v", 1));
            BackupApplication.Outcome inc = app.backup("incremental");
            assertThat(inc.entry().oplogOperations()).isGreaterThanOrEqualTo(4);
            StackApp.emptyTarget(target);

            Path hand = Files.createDirectories(tmp.resolve("by-hand"));
            Map<String, String> shellEnv = new HashMap<>();
            shellEnv.putAll(TestSettings.stackSecrets(app.env));
            shellEnv.put("BACKUP_CONFIG", app.config.toString());
            shellEnv.put("CID", full.entry().cid());
            shellEnv.put("INCREMENTAL_CID", inc.entry().cid());
            shellEnv.put("TARGET_URI", app.env.get("RESTORE_MONGODB_URI"));
            shellEnv.put("PATH", mongorestore.getParent() + ":" + System.getenv("PATH"));

            StackApp.Run fetched = bash(hand, shellEnv, fetchFull.substring(KEY_LINE.length()));
            assertThat(fetched.code()).as(fetched.all()).isZero();
            assertThat(hand.resolve("dump/oplog.bson")).isRegularFile();
            assertThat(hand.resolve("dump/byhand/items.metadata.json")).isRegularFile();

            // docs/format.md's Python decryptor gives the same archive as the CLI
            Path decryptPy = Files.writeString(hand.resolve("decrypt.py"), formatMdPython());
            StackApp.Run py = StackApp.run(hand, shellEnv, STEP_TIMEOUT,
                    List.of("python3", decryptPy.toString(), "backup.enc", "backup-python.tar.gz"));
            assertThat(py.code()).as(py.all()).isZero();
            assertThat(Files.readAllBytes(hand.resolve("backup-python.tar.gz"))).isEqualTo(Files.readAllBytes(hand.resolve("backup.tar.gz")));

            // what the README says of plain mongorestore on FerretDB: the documents restore, every secondary index fails
            StackApp.Run plain = StackApp.run(hand, shellEnv, STEP_TIMEOUT, List.of(mongorestore.toString(),
                    "--uri=" + app.env.get("RESTORE_MONGODB_URI"), "--dir=dump"));
            assertThat(plain.code()).as(plain.all()).isEqualTo(1);
            assertThat(plain.err()).contains("Index option \"ns\" is unknown").contains("0 document(s) failed to restore");
            StackApp.emptyTarget(target);

            StackApp.Run restored = bash(hand, shellEnv, ferretDb);
            assertThat(restored.code()).as(restored.all()).isZero();
            assertThat(restored.err()).contains("0 document(s) failed to restore");
            assertThat(restored.out()).containsPattern("created [1-9][0-9]* indexes from metadata.json");
            // the state of the full: _id 1..5 as they were
            assertThat(target.getDatabase("byhand").getCollection("items").countDocuments()).isEqualTo(5);

            StackApp.Run replayed = bash(hand, shellEnv, incremental);
            assertThat(replayed.code()).as(replayed.all()).isZero();
            assertThat(replayed.out()).containsPattern("oplog.bson: [1-9][0-9]* operations applied");

            // mongorestore cannot replay it on FerretDB, as the README says
            StackApp.Run replayByMongorestore = StackApp.run(hand, shellEnv, STEP_TIMEOUT, List.of(mongorestore.toString(),
                    "--uri=" + app.env.get("RESTORE_MONGODB_URI"), "--dir=incr", "--oplogReplay"));
            assertThat(replayByMongorestore.code()).as(replayByMongorestore.all()).isEqualTo(1);
            assertThat(replayByMongorestore.err()).contains("no such command: 'applyOps'");

            List<String> databases = full.entry().databases();
            assertThat(databases).contains("byhand", "shop");
            CompareResult c = DatabaseComparator.compare(source, target, databases);
            assertThat(c.differences()).as("source and by-hand restore").isEmpty();
            assertThat(c.documents()).isGreaterThan(4000);
            assertThat(target.getDatabase("byhand").getCollection("later").find().first()).isEqualTo(new Document("_id", "x").append("v", 1));
            List<String> indexNames = new ArrayList<>();
            target.getDatabase("byhand").getCollection("items").listIndexes(BsonDocument.class)
                    .forEach(ix -> indexNames.add(ix.getString("name").getValue()));
            assertThat(indexNames).contains("sku_unique", "qty_1_sku_-1");
        }
    }

    /** Runs a README block with bash; {@code bin/ipfs-backup} is the CLI's main class on this test's class path. */
    private static StackApp.Run bash(Path dir, Map<String, String> env, String block) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Map<String, String> e = new HashMap<>(env);
        e.put("APP_JAVA", java);
        e.put("APP_CLASSPATH", GreenMailMain.classpath());
        String script = "set -euo pipefail\n"
                + "bin/ipfs-backup() { \"$APP_JAVA\" -cp \"$APP_CLASSPATH\" org.ipfsbackup.cli.Main \"$@\"; }\n"
                + block;
        return StackApp.run(dir, e, STEP_TIMEOUT, List.of("bash", "-c", script));
    }

    /** The sh blocks of README.md's "Restoring by hand", in order. */
    private static List<String> readmeBlocks() throws Exception {
        String readme = Files.readString(Project.dir().resolve("README.md"));
        int start = readme.indexOf("\n## Restoring by hand\n");
        assertThat(start).as("README.md has a Restoring by hand section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        Matcher m = SH_BLOCK.matcher(readme.substring(start, end));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    private static String block(List<String> blocks, String containing) {
        List<String> found = blocks.stream().filter(b -> b.contains(containing)).toList();
        assertThat(found).as("one block of Restoring by hand contains " + containing).hasSize(1);
        return found.get(0);
    }

    private static String formatMdPython() throws Exception {
        String format = Files.readString(Project.dir().resolve("docs/format.md"));
        Matcher m = PYTHON_BLOCK.matcher(format);
        assertThat(m.find()).as("FORMAT.md has a python decryptor").isTrue();
        return m.group(1);
    }
}
