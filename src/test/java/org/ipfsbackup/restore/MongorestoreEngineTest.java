package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.dump.DumpEngines;
import org.ipfsbackup.mongo.OplogPosition;
import org.ipfsbackup.testing.InJvmMongo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

/**
 * The mongorestore engine with stand-in scripts for mongorestore (src/test/resources/restore) that record what they
 * were given: the arguments, the --config file, the files of the --dir tree and the bytes of its oplog.bson; and
 * that fail or hang, which the real program cannot be made to do on demand. The target URI carries a password that
 * only the --config file may see. The tests tagged {@code stack} run the real mongorestore (mongo-tools 100.10.0,
 * built into .stack/bin) against the stack's FerretDB; without it they fail rather than skip.
 */
class MongorestoreEngineTest {

    private static final String PASSWORD = "Pa55w0rd-Very-Secret";
    /** Never connected to: the stand-ins only read it from the config file. */
    private static final String TARGET = "mongodb://restorer:" + PASSWORD + "@127.0.0.1:1/?authSource=admin";
    private static final long T = 1_700_000_000L;

    @TempDir
    Path tmp;

    private Path scriptDir;
    private Path engineTemp;
    private Path full;

    @BeforeEach
    void setUp() throws IOException {
        scriptDir = Files.createDirectories(tmp.resolve("bin"));
        engineTemp = Files.createDirectories(tmp.resolve("private"));
        full = Files.createDirectories(tmp.resolve("full"));
    }

    // ---------------------------------------------------------------- fixtures

    private Path script(String name) throws IOException {
        Path target = scriptDir.resolve(name);
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/restore/" + name), name)) {
            Files.copy(in, target);
        }
        assertThat(target.toFile().setExecutable(true, true)).isTrue();
        return target;
    }

    private MongorestoreEngine engine(Path script) {
        return new MongorestoreEngine(script.toString(), engineTemp, Duration.ofSeconds(60), MongorestoreEngine.Mode.MONGORESTORE);
    }

    private static RawBsonDocument raw(BsonDocument doc) {
        return new RawBsonDocument(doc, new BsonDocumentCodec());
    }

    private static byte[] bytes(RawBsonDocument doc) {
        ByteBuffer b = doc.getByteBuffer().asNIO();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] bytes(List<RawBsonDocument> docs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (RawBsonDocument d : docs) {
            out.writeBytes(bytes(d));
        }
        return out.toByteArray();
    }

    private static RawBsonDocument entry(long seconds, int increment, String op, String ns, BsonDocument o) {
        return raw(new BsonDocument("ts", new BsonTimestamp((int) seconds, increment))
                .append("t", new BsonInt32(1)).append("v", new BsonInt32(2))
                .append("op", new BsonString(op)).append("ns", new BsonString(ns)).append("o", o));
    }

    private static RawBsonDocument insert(long seconds, int increment, String ns, int id) {
        return entry(seconds, increment, "i", ns, new BsonDocument("_id", new BsonInt32(id)));
    }

    private static Path write(Path file, List<RawBsonDocument> docs) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes(docs));
    }

    /** A full backup: shop.orders and crm.customers with metadata, a view crm.v, plus things never restored. */
    private void fullDump(List<RawBsonDocument> oplog) throws IOException {
        write(full.resolve("shop/orders.bson"), List.of(raw(new BsonDocument("_id", new BsonInt32(1))),
                raw(new BsonDocument("_id", new BsonInt32(2)))));
        Files.writeString(full.resolve("shop/orders.metadata.json"),
                "{\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"_id\":{\"$numberInt\":\"1\"}},\"name\":\"_id_\"}],"
                        + "\"collectionName\":\"orders\",\"type\":\"collection\"}");
        write(full.resolve("crm/customers.bson"), List.of(raw(new BsonDocument("_id", new BsonString("c1")))));
        Files.writeString(full.resolve("crm/customers.metadata.json"), "{\"collectionName\":\"customers\",\"indexes\":[]}");
        Files.writeString(full.resolve("crm/v.metadata.json"),
                "{\"collectionName\":\"v\",\"type\":\"view\",\"options\":{\"viewOn\":\"customers\",\"pipeline\":[]}}");
        // mongorestore would take local/oplog.rs.bson for a second oplog; a stray top-level file means nothing
        write(full.resolve("local/oplog.rs.bson"), List.of(insert(T, 1, "x.y", 1)));
        Files.writeString(full.resolve("README.txt"), "not a dump file");
        if (oplog != null) {
            write(full.resolve("oplog.bson"), oplog);
        }
    }

    private List<String> recordedArgs() throws IOException {
        return Files.readAllLines(scriptDir.resolve("args.txt"));
    }

    private void assertEngineTempEmpty() throws IOException {
        try (Stream<Path> left = Files.list(engineTemp)) {
            assertThat(left).as("work directory and config file removed").isEmpty();
        }
    }

    // ---------------------------------------------------------------- the happy path

    @Test
    void oneDirectoryWithTheFullsFilesAndOneMergedOplogThenTheExactArguments() throws Exception {
        List<RawBsonDocument> fullOplog = List.of(insert(T, 1, "shop.orders", 3),
                entry(T, 2, "u", "shop.orders", new BsonDocument("$v", new BsonInt32(2))
                        .append("diff", new BsonDocument("u", new BsonDocument("qty", new BsonInt32(5))))));
        List<RawBsonDocument> incr1 = List.of(insert(T, 3, "crm.customers", 4),
                entry(T, 5, "d", "shop.orders", new BsonDocument("_id", new BsonInt32(1))));
        List<RawBsonDocument> incr2 = List.of(insert(T + 1, 1, "shop.orders", 5),
                entry(T + 2, 1, "c", "crm.$cmd", new BsonDocument("create", new BsonString("later"))));
        fullDump(fullOplog);
        Path i1 = write(tmp.resolve("incr1/oplog.bson"), incr1);
        Path i2 = write(tmp.resolve("incr2/oplog.bson"), incr2);
        byte[] ordersBefore = Files.readAllBytes(full.resolve("shop/orders.bson"));
        Path fake = script("fake-mongorestore-record.sh");
        Files.writeString(scriptDir.resolve("summary.txt"),
                "2025-01-01T00:00:01.000+0000\t7 document(s) restored successfully. 0 document(s) failed to restore.\n");

        MongorestoreResult result = engine(fake).restore(TARGET, full, List.of(i1, i2), new OplogPosition(T, 5),
                new RestoreOptions(true, List.of(), ""));

        List<String> args = recordedArgs();
        assertThat(args.get(0)).startsWith("--config=" + engineTemp.resolve("mongorestore-")).endsWith(".yaml");
        assertThat(args.get(1)).startsWith("--dir=" + engineTemp.resolve("mongorestore-")).endsWith("/dump");
        // the limit is exclusive in mongorestore: T:6 is the smallest that still lets T:5 through
        assertThat(args).containsExactly(args.get(0), args.get(1), "--numParallelCollections=4", "--oplogReplay", "--oplogLimit=" + T + ":6", "--drop",
                "--stopOnError");
        assertThat(args).noneMatch(a -> a.contains("mongodb://") || a.contains(PASSWORD) || a.startsWith("--nsInclude"));
        assertThat(result.arguments()).isEqualTo(args.subList(1, args.size()));

        // mongorestore got the URI, password and all, through a file only its owner could read ...
        assertThat(Files.readString(scriptDir.resolve("config-seen.yaml"))).isEqualTo("uri: \"" + TARGET + "\"\n");
        assertThat(Files.readString(scriptDir.resolve("config-mode.txt")).strip()).isEqualTo("600");

        // ... one directory: the full's database files (not local, not the stray file) and one oplog.bson ...
        assertThat(Files.readAllLines(scriptDir.resolve("listing.txt"))).containsExactly(
                "./crm/customers.bson", "./crm/customers.metadata.json", "./crm/v.metadata.json", "./oplog.bson",
                "./shop/orders.bson", "./shop/orders.metadata.json");
        // ... the data files hard links to the extracted backup (2 names for each), not copies
        assertThat(Files.readAllLines(scriptDir.resolve("links.txt"))).containsExactly(
                "./crm/customers.bson 2", "./crm/customers.metadata.json 2", "./crm/v.metadata.json 2", "./oplog.bson 1",
                "./shop/orders.bson 2", "./shop/orders.metadata.json 2");
        // ... and the oplog: the full's entries, then each incremental's, byte for byte
        byte[] expected = concat(Files.readAllBytes(full.resolve("oplog.bson")), Files.readAllBytes(i1), Files.readAllBytes(i2));
        assertThat(Files.readAllBytes(scriptDir.resolve("oplog-seen.bson"))).isEqualTo(expected);

        assertThat(result.namespaces()).containsExactly("crm.customers", "crm.v", "shop.orders");
        assertThat(result.filesLinked()).isEqualTo(5);
        assertThat(result.filesCopied()).isZero();
        assertThat(result.oplogEntries()).isEqualTo(6);
        assertThat(result.oplogEntriesToApply()).isEqualTo(4);
        assertThat(result.lastToApply()).isEqualTo(new OplogPosition(T, 5));
        assertThat(result.oplogLimit()).isEqualTo(T + ":6");
        assertThat(result.oplogEntriesLeftOut()).isZero();
        assertThat(result.oplogEntriesRewritten()).isZero();
        assertThat(result.documentsRestored()).isEqualTo(7);
        assertThat(result.documentsFailed()).isZero();

        assertEngineTempEmpty();
        // the backup itself is as it was (links removed, nothing moved)
        assertThat(Files.readAllBytes(full.resolve("shop/orders.bson"))).isEqualTo(ordersBefore);
        assertThat(Files.getAttribute(full.resolve("shop/orders.bson"), "unix:nlink")).isEqualTo(1);
        assertThat(full.resolve("oplog.bson")).exists();
    }

    @Test
    void secondPrecisionUntilLimitsAtTheNextSecond() throws Exception {
        fullDump(List.of(insert(T, 1, "shop.orders", 3), insert(T, 7, "shop.orders", 4)));
        Path i1 = write(tmp.resolve("incr1/oplog.bson"), List.of(insert(T, 9, "shop.orders", 5),
                insert(T + 1, 1, "shop.orders", 6)));
        Path fake = script("fake-mongorestore-record.sh");

        // --at <T> (second precision) means everything of second T: (T, 0xFFFFFFFF)
        MongorestoreResult result = engine(fake).restore(TARGET, full, List.of(i1), new OplogPosition(T, -1),
                RestoreOptions.defaults());

        assertThat(recordedArgs().subList(1, recordedArgs().size())).containsExactly(result.arguments().get(0),
                "--numParallelCollections=4", "--oplogReplay", "--oplogLimit=" + (T + 1) + ":0", "--stopOnError");
        assertThat(result.oplogEntriesToApply()).isEqualTo(3);
        assertThat(result.lastToApply()).isEqualTo(new OplogPosition(T, 9));
        // the file still holds everything: mongorestore stops at the limit
        assertThat(Files.readAllBytes(scriptDir.resolve("oplog-seen.bson")))
                .isEqualTo(concat(Files.readAllBytes(full.resolve("oplog.bson")), Files.readAllBytes(i1)));
    }

    @Test
    void oplogLimitIsTheSmallestExclusiveLimitThatStillIncludesUntil() {
        assertThat(MongorestoreEngine.oplogLimit(new OplogPosition(T, 5))).isEqualTo("1700000000:6");
        assertThat(MongorestoreEngine.oplogLimit(new OplogPosition(T, 0))).isEqualTo("1700000000:1");
        assertThat(MongorestoreEngine.oplogLimit(new OplogPosition(0, 0))).isEqualTo("0:1");
        // increments are unsigned: 0x7FFFFFFF + 1 must not turn negative, 0xFFFFFFFF rolls over to the next second
        assertThat(MongorestoreEngine.oplogLimit(new OplogPosition(T, Integer.MAX_VALUE))).isEqualTo("1700000000:2147483648");
        assertThat(MongorestoreEngine.oplogLimit(new OplogPosition(T, -2))).isEqualTo("1700000000:4294967295");
        assertThat(MongorestoreEngine.oplogLimit(new OplogPosition(T, -1))).isEqualTo("1700000001:0");
        // nothing is after the largest timestamp: no limit at all
        assertThat(MongorestoreEngine.oplogLimit(new OplogPosition(0xFFFF_FFFFL, -1))).isNull();
        assertThat(MongorestoreEngine.arguments(Path.of("/d"), true, null, false, false, 4))
                .containsExactly("--dir=/d", "--numParallelCollections=4", "--oplogReplay", "--stopOnError");
        assertThat(MongorestoreEngine.arguments(Path.of("/d"), false, "1:1", true, true, 2))
                .containsExactly("--dir=/d", "--numParallelCollections=2", "--noIndexRestore", "--drop", "--stopOnError");
        assertThatThrownBy(() -> new MongorestoreEngine("mongorestore", tmp, Duration.ofSeconds(1)).withParallelCollections(0))
                .hasMessageContaining("restore.parallel-collections");
    }

    @Test
    void withoutAnyOplogEntryThereIsNoOplogReplay() throws Exception {
        fullDump(null);
        Path emptyIncremental = Files.createFile(Files.createDirectories(tmp.resolve("incr1")).resolve("oplog.bson"));
        Path fake = script("fake-mongorestore-record.sh");

        MongorestoreResult result = engine(fake).restore(TARGET, full, List.of(emptyIncremental), new OplogPosition(T, 1),
                RestoreOptions.defaults());

        List<String> args = recordedArgs();
        assertThat(args).hasSize(4);
        assertThat(args.get(2)).isEqualTo("--numParallelCollections=4");
        assertThat(args.get(3)).isEqualTo("--stopOnError");
        assertThat(Files.readAllLines(scriptDir.resolve("listing.txt"))).doesNotContain("./oplog.bson")
                .contains("./shop/orders.bson");
        assertThat(scriptDir.resolve("oplog-seen.bson")).doesNotExist();
        assertThat(result.oplogEntries()).isZero();
        assertThat(result.oplogLimit()).isNull();
        assertThat(result.lastToApply()).isNull();
        assertThat(result.documentsRestored()).as("no summary line printed").isEqualTo(-1);
        assertEngineTempEmpty();
    }

    @Test
    void beforeRunRunsOnceAfterEveryRefusalAndBeforeMongorestoreAndAFailureThereStopsIt() throws Exception {
        fullDump(List.of(insert(T, 1, "shop.orders", 3)));
        Path fake = script("fake-mongorestore-record.sh");
        List<String> calls = new java.util.ArrayList<>();

        // refused (overlap): the hook that drops the oplog-only collections never runs
        Path overlapping = write(tmp.resolve("incr1/oplog.bson"), List.of(insert(T, 1, "late.items", 4)));
        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(overlapping), null, RestoreOptions.defaults(),
                () -> calls.add("before"))).isInstanceOf(RestoreException.class);
        assertThat(calls).isEmpty();

        // the hook runs once, before mongorestore: the script has not recorded anything yet when it runs
        Path i1 = write(tmp.resolve("incr2/oplog.bson"), List.of(insert(T, 2, "late.items", 4)));
        engine(fake).restore(TARGET, full, List.of(i1), null, RestoreOptions.defaults(),
                () -> calls.add("before, mongorestore ran: " + Files.exists(scriptDir.resolve("args.txt"))));
        assertThat(calls).containsExactly("before, mongorestore ran: false");
        assertThat(scriptDir.resolve("args.txt")).exists();
        Files.delete(scriptDir.resolve("args.txt"));

        // a failing hook: mongorestore does not run, the work directory is removed
        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(i1), null, RestoreOptions.defaults(), () -> {
            throw new RestoreException("target collection late.items is not empty; use --drop");
        })).hasMessage("target collection late.items is not empty; use --drop");
        assertThat(scriptDir.resolve("args.txt")).doesNotExist();
        assertEngineTempEmpty();
    }

    // ---------------------------------------------------------------- refused before mongorestore runs

    @Test
    void overlappingIncrementalsFailBeforeMongorestoreRuns() throws Exception {
        fullDump(List.of(insert(T, 1, "shop.orders", 3), insert(T, 2, "shop.orders", 4)));
        Path i1 = write(tmp.resolve("incr1/oplog.bson"), List.of(insert(T, 2, "shop.orders", 4), insert(T, 3, "shop.orders", 5)));
        Path fake = script("fake-mongorestore-record.sh");

        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(i1), null, RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .hasMessageContaining("incremental 1 (" + i1 + ") starts at " + T + ":2")
                .hasMessageContaining("not after the end of the full backup's oplog")
                .hasMessageContaining("(" + T + ":2): the oplogs overlap or are out of order");
        assertThat(scriptDir.resolve("args.txt")).as("mongorestore not run").doesNotExist();
        assertEngineTempEmpty();

        // incrementals given in the wrong order
        Path a = write(tmp.resolve("a/oplog.bson"), List.of(insert(T, 10, "shop.orders", 6)));
        Path b = write(tmp.resolve("b/oplog.bson"), List.of(insert(T, 5, "shop.orders", 7)));
        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(a, b), null, RestoreOptions.defaults()))
                .hasMessageContaining("incremental 2 (" + b + ") starts at " + T + ":5, not after the end of incremental 1");
        assertThat(scriptDir.resolve("args.txt")).doesNotExist();
        assertEngineTempEmpty();
    }

    @Test
    void anOplogOutOfOrderInsideAFileFails() throws Exception {
        fullDump(List.of(insert(T, 1, "shop.orders", 3)));
        RawBsonDocument first = insert(T, 9, "shop.orders", 4);
        Path i1 = write(tmp.resolve("incr1/oplog.bson"), List.of(first, insert(T, 8, "shop.orders", 5)));
        Path fake = script("fake-mongorestore-record.sh");

        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(i1), null, RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .hasMessageContaining("incremental 1 (" + i1 + "): the entry at byte offset " + bytes(first).length
                        + " has ts " + T + ":8, not after the entry before it (" + T + ":9): the oplog is out of order");
        assertThat(scriptDir.resolve("args.txt")).doesNotExist();
        assertEngineTempEmpty();
    }

    @Test
    void aMissingIncrementalOrADatabasePrefixIsRefused() throws Exception {
        fullDump(null);
        Path fake = script("fake-mongorestore-record.sh");
        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(tmp.resolve("nope/oplog.bson")), null,
                RestoreOptions.defaults())).isInstanceOf(RestoreException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(), null, new RestoreOptions(false, List.of(), "copy_")))
                .isInstanceOf(RestoreException.class).hasMessageContaining("database prefix (copy_)")
                .hasMessageContaining("driver engine");
        assertThat(scriptDir.resolve("args.txt")).doesNotExist();
        assertEngineTempEmpty();
    }

    // ---------------------------------------------------------------- mongorestore fails

    @Test
    void failureCarriesExitCodeAndStderrWithoutThePasswordAndRemovesTheConfigFile() throws Exception {
        fullDump(List.of(insert(T, 1, "shop.orders", 3)));
        Path fake = script("fake-mongorestore-fail.sh");

        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(), null, RestoreOptions.defaults()))
                .isInstanceOfSatisfying(MongorestoreException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(1);
                    assertThat(e.timedOut()).isFalse();
                    assertThat(e.stderr()).contains("restoring shop.orders from dump/shop/orders.bson")
                            .contains("Failed: error connecting to mongodb://***@127.0.0.1:1/?authSource=admin")
                            .doesNotContain(PASSWORD);
                })
                .hasMessageStartingWith("mongorestore engine: mongorestore failed with exit code 1; stderr:\n")
                .hasMessageContaining("authentication failed")
                .hasMessageNotContaining(PASSWORD);

        assertThat(recordedArgs()).noneMatch(a -> a.contains("mongodb://") || a.contains(PASSWORD));
        assertEngineTempEmpty();
    }

    @Test
    void exitZeroWithFailedDocumentsIsAFailure() throws Exception {
        fullDump(null);
        Path fake = script("fake-mongorestore-record.sh");
        Files.writeString(scriptDir.resolve("summary.txt"),
                "2025-01-01T00:00:01.000+0000\t5 document(s) restored successfully. 2 document(s) failed to restore.\n");

        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(), null, RestoreOptions.defaults()))
                .isInstanceOfSatisfying(MongorestoreException.class, e -> assertThat(e.exitCode()).isZero())
                .hasMessageContaining("mongorestore exited 0 but 2 document(s) failed to restore (5 restored)");
        assertEngineTempEmpty();
    }

    @Test
    void aHangingMongorestoreIsKilledAtTheTimeout() throws Exception {
        fullDump(List.of(insert(T, 1, "shop.orders", 3)));
        Path fake = script("fake-mongorestore-hang.sh");
        MongorestoreEngine engine = new MongorestoreEngine(fake.toString(), engineTemp, Duration.ofSeconds(2), MongorestoreEngine.Mode.MONGORESTORE);
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> engine.restore(TARGET, full, List.of(), null, RestoreOptions.defaults()))
                .isInstanceOfSatisfying(MongorestoreException.class, e -> {
                    assertThat(e.timedOut()).isTrue();
                    assertThat(e.stderr()).contains("replaying oplog");
                })
                .hasMessageContaining("did not finish within PT2S and was killed")
                .hasMessageContaining("replaying oplog");

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("killed, not waited for").isLessThan(Duration.ofSeconds(60));
        long pid = Long.parseLong(Files.readString(scriptDir.resolve("pid.txt")).strip());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true));
        assertEngineTempEmpty();
    }

    @Test
    void aMissingExecutableIsAFailureNotAHang() throws Exception {
        fullDump(null);
        Path missing = tmp.resolve("no-such-mongorestore");
        assertThatThrownBy(() -> engine(missing).restore(TARGET, full, List.of(), null, RestoreOptions.defaults()))
                .isInstanceOfSatisfying(MongorestoreException.class, e -> assertThat(e.exitCode()).isNull())
                .hasMessageContaining("could not run " + missing);
        assertEngineTempEmpty();
    }

    // ---------------------------------------------------------------- nsInclude

    @Test
    void nsIncludeSelectsTheFilesAndTheOplogEntriesItselfAndNeverPassesNsInclude() throws Exception {
        RawBsonDocument shopInsert = insert(T, 1, "shop.orders", 3);
        RawBsonDocument crmInsert = insert(T, 2, "crm.customers", 4);
        RawBsonDocument noop = entry(T, 3, "n", "", new BsonDocument("msg", new BsonString("periodic noop")));
        RawBsonDocument txn = entry(T, 4, "c", "admin.$cmd", new BsonDocument("applyOps", new BsonArray(List.of(
                new BsonDocument("op", new BsonString("i")).append("ns", new BsonString("shop.orders"))
                        .append("o", new BsonDocument("_id", new BsonInt32(10))),
                new BsonDocument("op", new BsonString("i")).append("ns", new BsonString("crm.customers"))
                        .append("o", new BsonDocument("_id", new BsonInt32(11)))))));
        RawBsonDocument renameOut = entry(T, 5, "c", "shop.$cmd", new BsonDocument("renameCollection", new BsonString("shop.items"))
                .append("to", new BsonString("crm.items")).append("stayTemp", org.bson.BsonBoolean.FALSE));
        RawBsonDocument dropCrm = entry(T, 6, "c", "crm.$cmd", new BsonDocument("dropDatabase", new BsonInt32(1)));
        RawBsonDocument createShop = entry(T, 7, "c", "shop.$cmd", new BsonDocument("create", new BsonString("returns")));
        RawBsonDocument createCrm = entry(T, 8, "c", "crm.$cmd", new BsonDocument("create", new BsonString("leads")));
        RawBsonDocument dropShop = entry(T, 9, "c", "shop.$cmd", new BsonDocument("dropDatabase", new BsonInt32(1)));
        RawBsonDocument commit = entry(T, 10, "c", "admin.$cmd", new BsonDocument("commitTransaction", new BsonInt32(1)));
        fullDump(List.of(shopInsert, crmInsert, noop));
        write(full.resolve("shop/items.bson"), List.of(raw(new BsonDocument("_id", new BsonInt32(1)))));
        Path i1 = write(tmp.resolve("incr1/oplog.bson"), List.of(txn, renameOut, dropCrm, createShop, createCrm, dropShop, commit));
        Path fake = script("fake-mongorestore-record.sh");

        MongorestoreResult result = engine(fake).restore(TARGET, full, List.of(i1), null,
                new RestoreOptions(false, List.of("shop.*"), ""));

        assertThat(recordedArgs()).noneMatch(a -> a.startsWith("--nsInclude") || a.startsWith("--db"))
                .contains("--oplogReplay").doesNotContain("--drop");
        assertThat(Files.readAllLines(scriptDir.resolve("listing.txt"))).containsExactly(
                "./oplog.bson", "./shop/items.bson", "./shop/orders.bson", "./shop/orders.metadata.json");
        assertThat(result.namespaces()).containsExactly("shop.items", "shop.orders");

        BsonDocument txnShopOnly = txn.decode(new BsonDocumentCodec());
        txnShopOnly.put("o", new BsonDocument("applyOps", new BsonArray(List.of(txn.getDocument("o").getArray("applyOps").get(0)))));
        BsonDocument renameAsDrop = renameOut.decode(new BsonDocumentCodec());
        renameAsDrop.put("ns", new BsonString("shop.$cmd"));
        renameAsDrop.put("o", new BsonDocument("drop", new BsonString("items")));
        byte[] expected = concat(bytes(shopInsert), bytes(raw(txnShopOnly)), bytes(raw(renameAsDrop)), bytes(createShop),
                bytes(dropShop), bytes(commit));
        assertThat(Files.readAllBytes(scriptDir.resolve("oplog-seen.bson"))).isEqualTo(expected);
        assertThat(result.oplogEntries()).isEqualTo(6);
        assertThat(result.oplogEntriesLeftOut()).isEqualTo(4);
        assertThat(result.oplogEntriesRewritten()).isEqualTo(2);
        assertEngineTempEmpty();
    }

    @Test
    void nsIncludeRefusesWhatMongorestoreWouldApplyBeyondTheSelection() throws Exception {
        Path fake = script("fake-mongorestore-record.sh");
        RestoreOptions ordersOnly = new RestoreOptions(false, List.of("shop.orders"), "");

        fullDump(List.of(insert(T, 1, "shop.orders", 3)));
        Path dropDb = write(tmp.resolve("i1/oplog.bson"), List.of(
                entry(T, 2, "c", "shop.$cmd", new BsonDocument("dropDatabase", new BsonInt32(1)))));
        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(dropDb), null, ordersOnly))
                .isInstanceOf(RestoreException.class)
                .hasMessageContaining("entry ts " + T + ":2: dropDatabase on database shop cannot be limited to the selected"
                        + " namespaces by mongorestore");

        Path renameIn = write(tmp.resolve("i2/oplog.bson"), List.of(entry(T, 2, "c", "crm.$cmd",
                new BsonDocument("renameCollection", new BsonString("crm.orders")).append("to", new BsonString("shop.orders")))));
        assertThatThrownBy(() -> engine(fake).restore(TARGET, full, List.of(renameIn), null, ordersOnly))
                .isInstanceOf(RestoreException.class)
                .hasMessageContaining("renameCollection crm.orders -> shop.orders moves a collection that is not restored");

        assertThat(scriptDir.resolve("args.txt")).doesNotExist();
        assertEngineTempEmpty();
    }

    @Test
    void selectionOfDatabasesAndTemporaryCollections() {
        OplogSelection shop = new OplogSelection(List.of("shop.*"));
        assertThat(shop.coversDatabase("shop")).isTrue();
        assertThat(shop.coversDatabase("shopping")).isFalse();
        assertThat(shop.touchesDatabase("crm")).isFalse();
        OplogSelection orders = new OplogSelection(List.of("shop.orders", "*.users"));
        assertThat(orders.coversDatabase("shop")).isFalse();
        assertThat(orders.touchesDatabase("shop")).isTrue();
        assertThat(orders.touchesDatabase("anything")).as("*.users touches every database").isTrue();
        assertThat(new OplogSelection(List.of("*.*")).coversDatabase("crm")).isTrue();
        // the server's $out temporaries count as selected where the selection touches the database
        assertThat(orders.includesInOplog("shop.tmp.agg_out.1234")).isTrue();
        assertThat(new OplogSelection(List.of("shop.orders")).includesInOplog("crm.tmp.agg_out.1234")).isFalse();
        assertThat(orders.includesCollection("shop.tmp.agg_out.1234")).isFalse();
    }

    // ---------------------------------------------------------------- applyOps on the target

    @Test
    void onATargetWithoutApplyOpsMongorestoreRestoresNoIndexAndReplaysNothingTheDriverDoesBoth() throws Exception {
        Path fake = script("fake-mongorestore-record.sh");
        try (InJvmMongo server = InJvmMongo.start(false)) {
            String uri = server.uri();
            MongoClient client = server.client();
            // mongo-java-server, like FerretDB, has no applyOps
            assertThat(MongorestoreEngine.applyOpsMissing(client)).hasValueSatisfying(
                    m -> assertThat(m).contains("applyOps"));
            MongorestoreEngine asking = new MongorestoreEngine(fake.toString(), engineTemp, Duration.ofSeconds(30));

            fullDump(List.of(insert(T, 1, "shop.orders", 3)));
            Files.writeString(full.resolve("shop/orders.metadata.json"), "{\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},"
                    + "\"key\":{\"_id\":{\"$numberInt\":\"1\"}},\"name\":\"_id_\"},{\"v\":{\"$numberInt\":\"2\"},"
                    + "\"key\":{\"sku\":{\"$numberInt\":\"1\"}},\"name\":\"sku_1\",\"sparse\":true,\"ns\":\"shop.orders\"}],"
                    + "\"collectionName\":\"orders\",\"type\":\"collection\"}");
            Path i1 = write(tmp.resolve("incr1/oplog.bson"), List.of(insert(T, 2, "shop.orders", 4), insert(T, 3, "shop.orders", 5),
                    entry(T, 4, "d", "shop.orders", new BsonDocument("_id", new BsonInt32(3)))));
            // the stand-in restores nothing: what mongorestore would have restored is put there by hand
            client.getDatabase("shop").getCollection("orders", BsonDocument.class).insertOne(new BsonDocument("_id", new BsonInt32(1)));

            MongorestoreResult result = asking.restore(uri, full, List.of(i1), new OplogPosition(T, 3), RestoreOptions.defaults());

            List<String> args = recordedArgs();
            assertThat(args.subList(1, args.size())).containsExactly(args.get(1), "--numParallelCollections=4", "--noIndexRestore", "--stopOnError");
            assertThat(Files.readAllLines(scriptDir.resolve("listing.txt"))).as("no oplog.bson for mongorestore")
                    .doesNotContain("./oplog.bson").contains("./shop/orders.bson", "./shop/orders.metadata.json");
            assertThat(result.driverFinished()).isTrue();
            assertThat(result.driverIndexes()).isEqualTo(1);
            assertThat(result.driverReplay().applied()).as("T:1, T:2, T:3 (T:4 is after until)").isEqualTo(3);
            assertThat(result.driverReplay().last()).isEqualTo(new OplogPosition(T, 3));
            assertThat(result.oplogLimit()).isNull();
            assertThat(ids(client, "shop", "orders")).containsExactly(1, 3, 4, 5);
            List<BsonDocument> indexes = client.getDatabase("shop").getCollection("orders").listIndexes(BsonDocument.class)
                    .into(new ArrayList<>());
            assertThat(indexes).anySatisfy(ix -> {
                assertThat(ix.getString("name").getValue()).isEqualTo("sku_1");
                assertThat(ix.getBoolean("sparse").getValue()).isTrue();
            });
            assertEngineTempEmpty();

            // the driver's part failing is reported with what mongorestore had written: here a unique index that
            // the documents violate
            Files.writeString(full.resolve("shop/orders.metadata.json"), Files.readString(full.resolve("shop/orders.metadata.json"))
                    .replace("\"sparse\":true", "\"unique\":true"));
            client.getDatabase("shop").getCollection("orders", BsonDocument.class).drop();
            client.getDatabase("shop").getCollection("orders", BsonDocument.class).insertMany(List.of(
                    new BsonDocument("_id", new BsonInt32(1)).append("sku", new BsonString("same")),
                    new BsonDocument("_id", new BsonInt32(2)).append("sku", new BsonString("same"))));
            Files.writeString(scriptDir.resolve("summary.txt"),
                    "2025-01-01T00:00:01.000+0000\t2 document(s) restored successfully. 0 document(s) failed to restore.\n");
            assertThatThrownBy(() -> asking.restore(uri, full, List.of(), null, RestoreOptions.defaults()))
                    .isInstanceOf(RestoreException.class)
                    .hasMessageContaining("mongorestore restored [crm.customers, crm.v, shop.orders] (2 documents), then creating"
                            + " the indexes from metadata.json failed")
                    .hasMessageContaining("restore again with --drop");
            assertEngineTempEmpty();
        }
    }

    @Test
    void onATargetWithoutApplyOpsNsIncludeStillSelectsTheFilesAndTheDriverSelectsTheOplogEntries() throws Exception {
        Path fake = script("fake-mongorestore-record.sh");
        try (InJvmMongo server = InJvmMongo.start(false)) {
            String uri = server.uri();
            MongoClient client = server.client();
            fullDump(List.of(insert(T, 1, "shop.orders", 3), insert(T, 2, "crm.customers", 4)));
            MongorestoreResult result = new MongorestoreEngine(fake.toString(), engineTemp, Duration.ofSeconds(30))
                    .restore(uri, full, List.of(), null, new RestoreOptions(false, List.of("shop.*"), ""));

            assertThat(Files.readAllLines(scriptDir.resolve("listing.txt")))
                    .containsExactly("./shop/orders.bson", "./shop/orders.metadata.json");
            assertThat(result.namespaces()).containsExactly("shop.orders");
            assertThat(result.driverReplay().applied()).isEqualTo(1);
            assertThat(client.listDatabaseNames().into(new ArrayList<>())).doesNotContain("crm");
            assertThat(ids(client, "shop", "orders")).containsExactly(3);
            assertEngineTempEmpty();
        }
    }

    @Test
    void aTargetThatCannotBeAskedForApplyOpsIsRefusedBeforeAnythingRuns() throws Exception {
        Path fake = script("fake-mongorestore-record.sh");
        fullDump(null);
        MongorestoreEngine asking = new MongorestoreEngine(fake.toString(), engineTemp, Duration.ofSeconds(1));
        assertThatThrownBy(() -> asking.restore(TARGET, full, List.of(), null, RestoreOptions.defaults()))
                .isInstanceOf(RestoreException.class)
                .hasMessageContaining("cannot ask the target mongodb://***@127.0.0.1:1/")
                .hasMessageContaining("nothing was restored")
                .hasMessageNotContaining(PASSWORD);
        assertThat(scriptDir.resolve("args.txt")).as("mongorestore not run").doesNotExist();
        assertEngineTempEmpty();
    }

    // ---------------------------------------------------------------- on the local stack / with the real binary

    /** mongorestore from -Dit.mongorestore, the stack's bin directory, or PATH. */
    static Optional<Path> locateMongorestore() {
        String explicit = System.getProperty("it.mongorestore");
        if (explicit != null && !explicit.isBlank()) {
            return DumpEngines.findExecutable(explicit);
        }
        String stackBin = System.getProperty("devstack.bin");
        String basedir = System.getProperty("project.basedir", System.getProperty("user.dir"));
        for (Path candidate : Stream.of(stackBin == null ? null : Path.of(stackBin), Path.of(basedir, ".stack", "bin"))
                .filter(Objects::nonNull).toList()) {
            Optional<Path> found = DumpEngines.findExecutable(candidate.resolve("mongorestore").toString());
            if (found.isPresent()) {
                return found;
            }
        }
        return DumpEngines.findExecutable("mongorestore");
    }

    static boolean replayTargetGiven() {
        String uri = System.getProperty("it.restore.uri");
        return uri != null && !uri.isBlank();
    }

    /** A full backup of one database {@code db}: {@code items} with _id 1, 2, 3. */
    private void smallDump(String db) throws IOException {
        write(full.resolve(db).resolve("items.bson"), List.of(raw(new BsonDocument("_id", new BsonInt32(1))),
                raw(new BsonDocument("_id", new BsonInt32(2))), raw(new BsonDocument("_id", new BsonInt32(3)))));
        Files.writeString(full.resolve(db).resolve("items.metadata.json"), "{\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},"
                + "\"key\":{\"_id\":{\"$numberInt\":\"1\"}},\"name\":\"_id_\"}],\"collectionName\":\"items\",\"type\":\"collection\"}");
    }

    /** {@link #smallDump} with a unique index on {@code v} in the metadata (and {@code v} in each document). */
    private void smallDumpWithAnIndex(String db) throws IOException {
        write(full.resolve(db).resolve("items.bson"), List.of(
                raw(new BsonDocument("_id", new BsonInt32(1)).append("v", new BsonString("a"))),
                raw(new BsonDocument("_id", new BsonInt32(2)).append("v", new BsonString("b"))),
                raw(new BsonDocument("_id", new BsonInt32(3)).append("v", new BsonString("c")))));
        Files.writeString(full.resolve(db).resolve("items.metadata.json"), "{\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},"
                + "\"key\":{\"_id\":{\"$numberInt\":\"1\"}},\"name\":\"_id_\"},{\"v\":{\"$numberInt\":\"2\"},"
                + "\"key\":{\"v\":{\"$numberInt\":\"1\"}},\"name\":\"v_unique\",\"unique\":true}],"
                + "\"collectionName\":\"items\",\"type\":\"collection\"}");
    }

    private static List<String> indexNames(MongoClient client, String db) {
        List<String> names = new ArrayList<>();
        client.getDatabase(db).getCollection("items").listIndexes(BsonDocument.class)
                .forEach(ix -> names.add(ix.getString("name").getValue()));
        return names;
    }

    private static List<Integer> ids(MongoClient client, String db) {
        return ids(client, db, "items");
    }

    private static List<Integer> ids(MongoClient client, String db, String collection) {
        List<Integer> ids = new ArrayList<>();
        client.getDatabase(db).getCollection(collection, BsonDocument.class).find().sort(new BsonDocument("_id", new BsonInt32(1)))
                .forEach(d -> ids.add(d.getInt32("_id").getValue()));
        return ids;
    }

    private static String uniqueDb() {
        return "mrestore_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** The stack's mongorestore: it must be there (src/devstack/build-stack builds it into .stack/bin). */
    private static Path stackMongorestore(LocalStack stack) {
        String path = stack.env().get("MONGORESTORE_PATH");
        assertThat(path).as("mongorestore in the stack's bin directory (src/devstack/build-stack builds it)").isNotNull();
        return Path.of(path);
    }

    /**
     * The real mongorestore on the stack's FerretDB, as the engine runs it there: FerretDB has no applyOps, so the
     * engine restores the collections with mongorestore --noIndexRestore, and the driver creates the indexes and
     * replays the oplog up to {@code until}.
     */
    @Test
    @Tag("stack")
    @ExtendWith(StackExtension.class)
    void onFerretDbMongorestoreRestoresTheCollectionsAndTheDriverTheIndexesAndTheOplog(LocalStack stack) throws Exception {
        Path mongorestore = stackMongorestore(stack);
        String target = stack.env().get("RESTORE_MONGODB_URI");
        String source = stack.env().get("MONGODB_URI");
        String db = uniqueDb();
        try (MongoClient targetClient = MongoClients.create(target); MongoClient sourceClient = MongoClients.create(source)) {
            assertThat(MongorestoreEngine.applyOpsMissing(targetClient)).as("the restore target (FerretDB)")
                    .hasValueSatisfying(m -> assertThat(m).contains("applyOps"));
            assertThat(MongorestoreEngine.applyOpsMissing(sourceClient)).as("the source (FerretDB replica set)")
                    .hasValueSatisfying(m -> assertThat(m).contains("applyOps"));

            smallDumpWithAnIndex(db);
            write(full.resolve("oplog.bson"), List.of(insert(T, 1, db + ".items", 4)));
            Path i1 = write(tmp.resolve("incr1/oplog.bson"), List.of(insert(T, 2, db + ".items", 5),
                    entry(T, 3, "d", db + ".items", new BsonDocument("_id", new BsonInt32(1))),
                    insert(T + 1, 1, db + ".items", 6)));
            MongorestoreEngine engine = new MongorestoreEngine(mongorestore.toString(), engineTemp, Duration.ofMinutes(5));

            MongorestoreResult result = engine.restore(target, full, List.of(i1), new OplogPosition(T, -1),
                    new RestoreOptions(true, List.of(), ""));

            assertThat(result.arguments()).contains("--noIndexRestore").doesNotContain("--oplogReplay");
            assertThat(result.documentsRestored()).as("by mongorestore").isEqualTo(3);
            assertThat(result.documentsFailed()).isZero();
            assertThat(result.driverIndexes()).isEqualTo(1);
            assertThat(result.driverReplay().applied()).as("T:1, T:2, T:3; T+1:1 is after until").isEqualTo(3);
            assertThat(ids(targetClient, db)).containsExactly(2, 3, 4, 5);
            assertThat(indexNames(targetClient, db)).containsExactlyInAnyOrder("_id_", "v_unique");
            assertEngineTempEmpty();
        } finally {
            try (MongoClient client = MongoClients.create(target)) {
                client.getDatabase(db).drop();
            }
        }
    }

    /**
     * Why the engine does not leave FerretDB's indexes and oplog to mongorestore: told to (mode MONGORESTORE), the
     * real mongorestore restores the documents, then fails on the first secondary index (it adds {@code ns} to the
     * spec, FerretDB refuses it); without indexes, it fails on the oplog replay (no applyOps).
     */
    @Test
    @Tag("stack")
    @ExtendWith(StackExtension.class)
    void onFerretDbMongorestoreAloneFailsOnTheIndexesAndOnTheOplogReplay(LocalStack stack) throws Exception {
        Path mongorestore = stackMongorestore(stack);
        String target = stack.env().get("RESTORE_MONGODB_URI");
        String db = uniqueDb();
        MongorestoreEngine alone = new MongorestoreEngine(mongorestore.toString(), engineTemp, Duration.ofMinutes(5),
                MongorestoreEngine.Mode.MONGORESTORE);
        try (MongoClient client = MongoClients.create(target)) {
            smallDumpWithAnIndex(db);
            assertThatThrownBy(() -> alone.restore(target, full, List.of(), null, new RestoreOptions(true, List.of(), "")))
                    .isInstanceOfSatisfying(MongorestoreException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(1);
                        assertThat(e.stderr()).contains("Index option \"ns\" is unknown");
                    });
            assertThat(ids(client, db)).as("the documents were restored before").containsExactly(1, 2, 3);
            assertEngineTempEmpty();

            smallDump(db);
            Path i1 = write(tmp.resolve("incr1/oplog.bson"), List.of(insert(T, 1, db + ".items", 4)));
            assertThatThrownBy(() -> alone.restore(target, full, List.of(i1), null, new RestoreOptions(true, List.of(), "")))
                    .isInstanceOfSatisfying(MongorestoreException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(1);
                        assertThat(e.stderr()).contains("no such command: 'applyOps'");
                    });
            assertThat(ids(client, db)).containsExactly(1, 2, 3);
            assertEngineTempEmpty();
        } finally {
            try (MongoClient client = MongoClients.create(target)) {
                client.getDatabase(db).drop();
            }
        }
    }

    /** The real mongorestore replaying a chain up to a point in time, on a server that has applyOps (MongoDB). */
    @Test
    @Tag("stack")
    @EnabledIf(value = "replayTargetGiven", disabledReason = "needs a MongoDB with applyOps (-Dit.restore.uri): the stack's"
            + " FerretDB has none")
    void realMongorestoreReplaysTheChainUpToUntil() throws Exception {
        Path mongorestore = locateMongorestore().orElseThrow(() -> new AssertionError("no mongorestore (-Dit.mongorestore,"
                + " .stack/bin built by src/devstack/build-stack, or PATH)"));
        String target = System.getProperty("it.restore.uri");
        String db = uniqueDb();
        try (MongoClient client = MongoClients.create(target)) {
            assertThat(MongorestoreEngine.applyOpsMissing(client)).as("-Dit.restore.uri must have applyOps").isEmpty();
            smallDump(db);
            write(full.resolve("oplog.bson"), List.of(insert(T, 1, db + ".items", 4)));
            Path i1 = write(tmp.resolve("incr1/oplog.bson"), List.of(insert(T, 2, db + ".items", 5),
                    entry(T, 3, "d", db + ".items", new BsonDocument("_id", new BsonInt32(1)))));
            Path i2 = write(tmp.resolve("incr2/oplog.bson"), List.of(insert(T + 1, 1, db + ".items", 6)));
            MongorestoreEngine engine = new MongorestoreEngine(mongorestore.toString(), engineTemp, Duration.ofMinutes(5));

            engine.restore(target, full, List.of(i1, i2), new OplogPosition(T, 2), new RestoreOptions(true, List.of(), ""));
            assertThat(ids(client, db)).as("up to " + T + ":2").containsExactly(1, 2, 3, 4, 5);

            engine.restore(target, full, List.of(i1, i2), new OplogPosition(T, -1), new RestoreOptions(true, List.of(), ""));
            assertThat(ids(client, db)).as("second " + T + " whole").containsExactly(2, 3, 4, 5);

            engine.restore(target, full, List.of(i1, i2), null, new RestoreOptions(true, List.of(), ""));
            assertThat(ids(client, db)).as("everything").containsExactly(2, 3, 4, 5, 6);
            assertEngineTempEmpty();
        } finally {
            try (MongoClient client = MongoClients.create(target)) {
                client.getDatabase(db).drop();
            }
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Arrays.stream(parts).forEach(out::writeBytes);
        return out.toByteArray();
    }
}
