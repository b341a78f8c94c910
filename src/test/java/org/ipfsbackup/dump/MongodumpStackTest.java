package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.DumpLayout;
import org.ipfsbackup.mongo.OplogPosition;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.CreateCollectionOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
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
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engines against the local stack's FerretDB 1.24 (replica set rs0 with a capped local.oplog.rs) and the real
 * mongodump 100.10.0 the stack builds into .stack/bin (src/devstack/build-stack): nothing here skips; a stack
 * without mongodump is an error.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class MongodumpStackTest {

    private static String uri;
    private static Path mongodump;

    @TempDir
    Path tmp;

    private MongoClient client;
    private String dbName;

    @BeforeAll
    static void stack(LocalStack stack) {
        uri = stack.env().get("MONGODB_URI");
        String path = stack.env().get("MONGODUMP_PATH");
        assertThat(path).as("MONGODUMP_PATH of the stack: src/devstack/build-stack builds mongodump into .stack/bin")
                .isNotNull();
        mongodump = Path.of(path);
        assertThat(mongodump).isExecutable();
    }

    private static void requireMongodump() {
        // the stack always has it (checked in stack()); kept as the one place the tests name the need
        assertThat(mongodump).isExecutable();
    }

    @BeforeEach
    void seed() {
        client = MongoClients.create(uri);
        dbName = "dumpit_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        MongoDatabase db = client.getDatabase(dbName);
        MongoCollection<BsonDocument> orders = db.getCollection("orders", BsonDocument.class);
        List<BsonDocument> batch = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            batch.add(new BsonDocument("_id", new BsonObjectId())
                    .append("sku", new BsonString("sku-" + i))
                    .append("customer", new BsonString("c" + (i % 13)))
                    .append("date", new BsonDateTime(1_700_000_000_000L + i * 60_000L))
                    .append("qty", new BsonInt32(i))
                    .append("big", new BsonInt64(1L << 40 | i))
                    .append("weight", new BsonDouble(i / 7.0))
                    .append("gift", BsonBoolean.valueOf(i % 2 == 0))
                    .append("note", i % 5 == 0 ? BsonNull.VALUE : new BsonString("ünïcødé ✓ " + i))
                    .append("tags", new BsonArray(List.of(new BsonString("a"), new BsonInt32(i))))
                    .append("blob", new BsonBinary(new byte[] {1, 2, (byte) i}))
                    .append("nested", new BsonDocument("x", new BsonDocument("y", new BsonInt32(i))))
                    .append("ts", new BsonTimestamp(1_700_000_000, i)));
        }
        orders.insertMany(batch);
        orders.createIndex(Indexes.ascending("sku"), new IndexOptions().unique(true));
        orders.createIndex(Indexes.compoundIndex(Indexes.ascending("customer"), Indexes.descending("date")));
        db.getCollection("customers").insertOne(new org.bson.Document("_id", "c1").append("name", "Ada"));
        db.createCollection("empty");
        db.getCollection("odd name/with%chars").insertOne(new org.bson.Document("v", 1));
        db.createCollection("capped", new CreateCollectionOptions().capped(true).sizeInBytes(1 << 20));
        db.getCollection("capped").insertOne(new org.bson.Document("v", 2));
    }

    @AfterEach
    void drop() {
        if (client != null) {
            client.getDatabase(dbName).drop();
            client.close();
        }
    }

    private DumpSettings settings() {
        DumpSettings s = DumpSettings.of(uri).withDatabases(List.of(dbName), null);
        // a single-member replica set has no secondary to read from
        return s.readPreferenceFromUri() ? s : s.withReadPreference("primaryPreferred");
    }

    @Test
    void bothEnginesWriteTheSameFilesAndBytes() throws Exception {
        requireMongodump();
        Path byMongodump = tmp.resolve("mongodump");
        Path byDriver = tmp.resolve("driver");
        DumpResult m = new MongodumpEngine(settings(), mongodump, tmp.resolve("private")).dumpFull(byMongodump);
        DumpResult d = new DriverDumpEngine(settings()).dumpFull(byDriver);

        Set<String> files = DriverDumpEngineTest.relativeFiles(byMongodump);
        assertThat(files).contains(dbName + "/orders.bson", dbName + "/orders.metadata.json",
                dbName + "/odd+name%2Fwith%25chars.bson", dbName + "/empty.bson", dbName + "/capped.metadata.json");
        assertThat(DriverDumpEngineTest.relativeFiles(byDriver)).isEqualTo(files);

        for (String f : files) {
            if (f.endsWith(".bson") && !f.equals("oplog.bson")) {
                assertThat(sortedDocuments(byDriver.resolve(f))).as(f).isEqualTo(sortedDocuments(byMongodump.resolve(f)));
            } else if (f.endsWith(".metadata.json")) {
                String mj = Files.readString(byMongodump.resolve(f));
                String dj = Files.readString(byDriver.resolve(f));
                assertThat(BsonDocument.parse(dj)).as(f).isEqualTo(BsonDocument.parse(mj));
                if (!mj.contains("\"options\"")) {
                    assertThat(dj).as(f + " byte for byte").isEqualTo(mj);
                }
            }
        }
        assertThat(d.databases()).isEqualTo(m.databases()).containsExactly(dbName);
        assertThat(d.collections()).isEqualTo(m.collections()).isEqualTo(5);
        assertThat(d.documents()).isEqualTo(m.documents()).isEqualTo(2003);
        assertThat(d.mongodbVersion()).isEqualTo(m.mongodbVersion());
        assertThat(d.replicaSet()).isEqualTo(m.replicaSet());
        assertThat(m.oplogEnd() == null).isEqualTo(d.oplogEnd() == null);
        if (m.oplogEnd() != null) {
            assertThat(files).contains("oplog.bson");
            assertThat(m.oplogStart()).isNotNull().isLessThanOrEqualTo(m.oplogEnd());
        }
    }

    @Test
    void oplogDumpsAgreeByteForByte() throws Exception {
        requireMongodump();
        assertThat(hasOplog()).as("the stack's FerretDB has local.oplog.rs").isTrue();
        OplogPosition after = new DriverDumpEngine(settings()).dumpFull(tmp.resolve("full")).oplogEnd();
        assertThat(after).isNotNull();
        MongoCollection<org.bson.Document> customers = client.getDatabase(dbName).getCollection("customers");
        customers.insertOne(new org.bson.Document("_id", "c2"));
        customers.updateOne(new org.bson.Document("_id", "c1"), new org.bson.Document("$set", new org.bson.Document("name", "Grace")));
        customers.deleteOne(new org.bson.Document("_id", "c2"));

        DumpResult m = new MongodumpEngine(settings(), mongodump, tmp.resolve("private")).dumpOplog(after, tmp.resolve("m"));
        DumpResult d = new DriverDumpEngine(settings()).dumpOplog(after, tmp.resolve("d"));

        // nothing else writes to this throwaway server between the two, so both hold the same window
        assertThat(Files.readAllBytes(tmp.resolve("d/oplog.bson"))).isEqualTo(Files.readAllBytes(tmp.resolve("m/oplog.bson")));
        assertThat(m.oplogOperations()).isEqualTo(d.oplogOperations()).isGreaterThanOrEqualTo(3);
        assertThat(m.oplogStart()).isEqualTo(d.oplogStart()).isGreaterThan(after);
        assertThat(m.oplogEnd()).isEqualTo(d.oplogEnd());
    }

    @Test
    void wholeInstanceDumpUsesMongodumpOplogOnAReplicaSet() throws Exception {
        requireMongodump();
        assertThat(hasOplog()).as("the stack's FerretDB has local.oplog.rs").isTrue();
        DumpSettings everything = settings().withDatabases(List.of(), List.of());
        DumpResult m = new MongodumpEngine(everything, mongodump, tmp.resolve("private")).dumpFull(tmp.resolve("m"));
        assertThat(m.databases()).contains(dbName).doesNotContain("local", "config");
        if (m.replicaSet() != null) {
            assertThat(tmp.resolve("m/oplog.bson")).exists();
            assertThat(m.oplogEnd()).isNotNull();
            assertThat(m.oplogOperations()).isGreaterThanOrEqualTo(1);
        }
        assertThat(sortedDocuments(tmp.resolve("m").resolve(dbName).resolve("orders.bson")))
                .hasSize(2000);
    }

    @Test
    void driverEngineWritesWhatTheServerHolds() throws Exception {
        Path out = tmp.resolve("driver");
        java.io.StringWriter progress = new java.io.StringWriter();
        org.ipfsbackup.observe.ProgressReporter.useStream(new java.io.PrintWriter(progress), false, java.time.Duration.ofHours(1));
        DumpResult d;
        try {
            d = new DriverDumpEngine(settings()).dumpFull(out);
        } finally {
            org.ipfsbackup.observe.ProgressReporter.useLog();
        }
        // FerretDB answers the count the progress line's total comes from (estimatedDocumentCount)
        assertThat(progress.toString()).startsWith("dump: documents: 2003 of 2003 (100%), ").endsWith(", 5 of 5 collections\n");

        MongoDatabase db = client.getDatabase(dbName);
        List<String> names = db.listCollectionNames().into(new ArrayList<>());
        assertThat(names).containsExactlyInAnyOrder("orders", "customers", "empty", "odd name/with%chars", "capped");
        for (BsonDocument info : db.listCollections(BsonDocument.class)) {
            String name = info.getString("name").getValue();
            String base = DumpLayout.fileBase(name);
            List<String> onServer = new ArrayList<>();
            for (org.bson.RawBsonDocument r : db.getCollection(name, org.bson.RawBsonDocument.class).find()) {
                onServer.add(DriverDumpEngineTest.hex(r));
            }
            onServer.sort(null);
            assertThat(sortedDocuments(out.resolve(dbName).resolve(base + ".bson"))).as(name).isEqualTo(onServer);

            BsonDocument meta = BsonDocument.parse(Files.readString(out.resolve(dbName).resolve(base + ".metadata.json")));
            assertThat(meta.getString("collectionName").getValue()).isEqualTo(name);
            assertThat(meta.getArray("indexes").getValues())
                    .isEqualTo(new ArrayList<>(db.getCollection(name).listIndexes(BsonDocument.class).into(new ArrayList<>())));
            String uuid = DumpLayout.uuidHex(info);
            if (uuid != null) {
                assertThat(meta.getString("uuid").getValue()).hasSize(32).isEqualTo(uuid);
            }
            if (name.equals("capped")) {
                assertThat(meta.getDocument("options").getBoolean("capped").getValue()).isTrue();
            }
        }
        assertThat(d.documents()).isEqualTo(2003);
        assertThat(d.collections()).isEqualTo(5);
        assertThat(d.mongodbVersion()).isNotBlank();

        if (hasOplog()) {
            assertThat(d.oplogEnd()).isNotNull();
            assertThat(d.oplogOperations()).isGreaterThanOrEqualTo(1);
            MongoCollection<org.bson.Document> customers = db.getCollection("customers");
            customers.insertOne(new org.bson.Document("_id", "c2"));
            customers.updateOne(new org.bson.Document("_id", "c1"), new org.bson.Document("$set", new org.bson.Document("name", "Grace")));
            customers.deleteOne(new org.bson.Document("_id", "c2"));
            DumpResult incr = new DriverDumpEngine(settings()).dumpOplog(d.oplogEnd(), tmp.resolve("incr"));
            List<BsonDocument> ours = new ArrayList<>();
            DumpLayout.forEachDocument(tmp.resolve("incr/oplog.bson"), e -> {
                if (e.getString("ns").getValue().equals(dbName + ".customers")) {
                    ours.add(e);
                }
            });
            assertThat(ours).extracting(e -> e.getString("op").getValue()).containsExactly("i", "u", "d");
            assertThat(incr.oplogStart()).isGreaterThan(d.oplogEnd());
            assertThat(incr.oplogEnd()).isGreaterThanOrEqualTo(DumpLayout.ts(ours.get(2)));
        }
    }

    @Test
    void readPreferenceFromSettingsReachesTheServer() throws Exception {
        List<BsonDocument> finds = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.mongodb.event.CommandListener listener = new com.mongodb.event.CommandListener() {
            @Override
            public void commandStarted(com.mongodb.event.CommandStartedEvent event) {
                if (event.getCommandName().equals("find") && event.getDatabaseName().equals(dbName)) {
                    finds.add(event.getCommand().clone());
                }
            }
        };
        try (MongoClient listening = MongoClients.create(com.mongodb.MongoClientSettings.builder()
                .applyConnectionString(new com.mongodb.ConnectionString(uri)).addCommandListener(listener).build())) {
            DumpResult d = new DriverDumpEngine(settings(), listening).dumpFull(tmp.resolve("rp"));
            assertThat(finds).hasSize(5);
            if (d.replicaSet() != null) {
                // on a replica set the driver states the read preference with every read
                assertThat(finds).allSatisfy(f -> assertThat(f.getDocument("$readPreference").getString("mode").getValue())
                        .isEqualTo(settings().readPreference()));
                assertThat(finds).allSatisfy(f -> assertThat(f.containsKey("lsid")).isTrue());
                String hello = client.getDatabase("admin").runCommand(new org.bson.Document("hello", 1)).getString("setName");
                assertThat(d.replicaSet()).isEqualTo(hello);
            }
        }
    }

    @Test
    void mongodumpRunsOnceWithOplogForAWholeInstanceDumpOfAReplicaSetElsePerDatabase() throws Exception {
        assertThat(hasOplog()).as("the stack's FerretDB has local.oplog.rs").isTrue();
        // the failing stand-in records its arguments: which way the engine went is all this checks
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fake = bin.resolve("fake-mongodump-fail.sh");
        try (java.io.InputStream in = getClass().getResourceAsStream("/dump/fake-mongodump-fail.sh")) {
            Files.copy(in, fake);
        }
        assertThat(fake.toFile().setExecutable(true, true)).isTrue();
        DumpSettings everything = settings().withDatabases(List.of(), List.of());
        MongodumpEngine engine = new MongodumpEngine(everything, fake, tmp.resolve("private"));
        try {
            engine.dumpFull(tmp.resolve("whole"));
        } catch (DumpException expected) {
            assertThat(expected.exitCode()).isEqualTo(3);
        }
        List<String> args = Files.readAllLines(bin.resolve("args.txt"));
        boolean replicaSet = client.getDatabase("admin").runCommand(new org.bson.Document("isMaster", 1)).containsKey("setName");
        if (replicaSet) {
            assertThat(args).contains("--oplog").doesNotContain("--db");
        } else {
            assertThat(args).contains("--db").doesNotContain("--oplog");
        }

        // the selection alone: the stack's other databases are small, so still one --oplog run (pruned afterwards) ...
        try {
            new MongodumpEngine(settings(), fake, tmp.resolve("private")).dumpFull(tmp.resolve("selected"));
        } catch (DumpException expected) {
            assertThat(expected.exitCode()).isEqualTo(3);
        }
        assertThat(Files.readAllLines(bin.resolve("args.txt"))).contains("--oplog").doesNotContain("--db");
        // ... unless they are larger than a whole-instance run may carry: then one run per selected database
        try {
            new MongodumpEngine(settings(), fake, tmp.resolve("private")).withOneRunLimit(0).dumpFull(tmp.resolve("per-db"));
        } catch (DumpException expected) {
            assertThat(expected.exitCode()).isEqualTo(3);
        }
        assertThat(Files.readAllLines(bin.resolve("args.txt"))).containsSubsequence("--db", dbName).doesNotContain("--oplog");
    }

    private static final String PASSWORD = "S3cret-Passw0rd-of-the-test";

    private String hostPort() {
        return uri.substring("mongodb://".length(), uri.indexOf('/', "mongodb://".length()));
    }

    /** The stack's URI with credentials FerretDB refuses at once ("Unsupported authentication mechanism"). */
    private String refusedCredentials() {
        return "mongodb://backup:" + PASSWORD + "@" + hostPort() + "/?replicaSet=" + LocalStack.REPLICA_SET
                + "&authSource=admin&readPreference=primaryPreferred";
    }

    /**
     * The stack's URI with a password and a replica set name no member has: mongodump 100.10.0 then waits for a server
     * far longer than serverSelectionTimeoutMS (it kept waiting for 8 minutes here), which is what a timeout needs.
     */
    private String unreachableWithPassword(int serverSelectionMs) {
        return "mongodb://backup:" + PASSWORD + "@" + hostPort() + "/?replicaSet=no-such-set&serverSelectionTimeoutMS="
                + serverSelectionMs + "&readPreference=primaryPreferred";
    }

    @Test
    void aRealMongodumpThatExitsNonZeroFailsTheDumpWithItsLastStderrLineMasked() throws Exception {
        // the engine's own queries go to the stack through a good client; mongodump gets the settings' URI
        DumpSettings bad = settings().withDatabases(List.of(dbName), null);
        bad = new DumpSettings(refusedCredentials(), "mongodump", bad.includeDatabases(), bad.excludeDatabases(),
                null, null, mongodump.toString(), true);
        Path out = tmp.resolve("out");
        try (MongoClient good = MongoClients.create(uri)) {
            MongodumpEngine engine = new MongodumpEngine(bad, mongodump, tmp.resolve("private"), good);
            DumpException e = org.junit.jupiter.api.Assertions.assertThrows(DumpException.class, () -> engine.dumpFull(out));
            assertThat(e.exitCode()).isNotNull().isNotZero();
            assertThat(e.timedOut()).isFalse();
            String lastLine = e.stderr().lines().reduce((a, b) -> b).orElseThrow();
            // mongodump prints the URI, password and all, in its "Failed:" line: masked in what we keep
            assertThat(e.stderr()).contains("Failed: can't create session").contains("mongodb://***@");
            assertThat(e.getMessage()).contains("failed with exit code " + e.exitCode()).endsWith(lastLine)
                    .doesNotContain(PASSWORD);
            assertThat(e.stderr()).doesNotContain(PASSWORD);
        }
        try (var left = Files.list(tmp.resolve("private"))) {
            assertThat(left).as("the --config file holding the password is gone").isEmpty();
        }
    }

    @Test
    void aRealMongodumpStillRunningAtTheTimeoutIsKilled() throws Exception {
        DumpSettings s = settings();
        // server selection would wait a minute; dump.timeout is 3 s
        DumpSettings slow = new DumpSettings(unreachableWithPassword(60_000), "mongodump", s.includeDatabases(),
                s.excludeDatabases(), null, java.time.Duration.ofSeconds(3), mongodump.toString(), true);
        long t0 = System.nanoTime();
        try (MongoClient good = MongoClients.create(uri)) {
            MongodumpEngine engine = new MongodumpEngine(slow, mongodump, tmp.resolve("private"), good);
            DumpException e = org.junit.jupiter.api.Assertions.assertThrows(DumpException.class,
                    () -> engine.dumpFull(tmp.resolve("out")));
            assertThat(e.timedOut()).isTrue();
            assertThat(e.getMessage()).contains("did not finish within PT3S (dump.timeout) and was killed")
                    .doesNotContain(PASSWORD);
        }
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isLessThan(java.time.Duration.ofSeconds(40));
        try (var left = Files.list(tmp.resolve("private"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aRealMongodumpWhoseOutputIsCutShortFailsTheDumpThoughItExitedZero() throws Exception {
        // what no real mongodump can be made to do on purpose: report success over a truncated file. The stand-in
        // runs the real one, then cuts the largest .bson short and exits 0 (as a full disk or a dying NFS might leave it)
        Path wrapper = tmp.resolve("bin/mongodump-truncating");
        Files.createDirectories(wrapper.getParent());
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "\"" + mongodump + "\" \"$@\" || exit $?\n"
                + "out=; prev=; for a in \"$@\"; do [ \"$prev\" = --out ] && out=$a; prev=$a; done\n"
                + "[ -n \"$out\" ] || exit 0\n"
                // one of this test's collections: other databases on a shared stack may be dropped from the output
                + "f=$(find \"$out/" + dbName + "\" -name '*.bson' -size +1k | head -n 1)\n"
                + "[ -n \"$f\" ] && truncate -s -7 \"$f\"\n"
                + "echo \"$(date -u +%Y-%m-%dT%H:%M:%S.000+0000)\tstand-in: cut $f short\" >&2\n"
                + "exit 0\n");
        assertThat(wrapper.toFile().setExecutable(true, true)).isTrue();
        MongodumpEngine engine = new MongodumpEngine(settings(), wrapper, tmp.resolve("private"));
        DumpException e = org.junit.jupiter.api.Assertions.assertThrows(DumpException.class, () -> engine.dumpFull(tmp.resolve("out")));
        assertThat(e.getMessage()).contains("mongodump exited with code 0 but wrote a partial dump")
                .contains("truncated BSON").contains("stand-in: cut");
        assertThat(e.exitCode()).isZero();
    }

    private boolean hasOplog() {
        return client.getDatabase("local").listCollectionNames().into(new ArrayList<>()).contains("oplog.rs");
    }

    private static List<String> sortedDocuments(Path bson) throws IOException {
        List<String> docs = new ArrayList<>();
        DumpLayout.forEachDocument(bson, d -> docs.add(DriverDumpEngineTest.hex(d)));
        return docs.stream().sorted().collect(Collectors.toList());
    }
}
