package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bson.BsonBinary;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.ObjectId;
import org.ipfsbackup.mongo.OplogPosition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClients;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;

class OplogApplierTest {

    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
    private static final int T0 = 1_700_000_000;

    @TempDir
    Path tmp;

    private MongoTestServer server;
    private MongoClient client;

    @BeforeEach
    void setUp() {
        server = new MongoTestServer();
        client = server.client();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    // ---- oplog building ---------------------------------------------------------------------------------------

    /** Hand-built oplog entries, one second apart by default, written as a mongodump oplog.bson. */
    private final class Oplog {
        final List<BsonDocument> entries = new ArrayList<>();
        int seconds = T0;

        OplogPosition add(BsonDocument entry) {
            seconds++;
            BsonTimestamp ts = new BsonTimestamp(seconds, 1);
            BsonDocument full = new BsonDocument("ts", ts).append("t", new BsonInt64(3));
            full.putAll(entry);
            full.append("wall", new BsonDateTime(seconds * 1000L));
            entries.add(full);
            return OplogPosition.of(ts);
        }

        OplogPosition op(String op, String ns, String o, String o2) {
            BsonDocument entry = new BsonDocument("op", new BsonString(op)).append("ns", new BsonString(ns))
                    .append("ui", new BsonBinary(UUID.nameUUIDFromBytes(ns.getBytes())));
            entry.append("o", BsonDocument.parse(o));
            if (o2 != null) {
                entry.append("o2", BsonDocument.parse(o2));
            }
            return add(entry);
        }

        OplogPosition insert(String ns, String doc) {
            return op("i", ns, doc, null);
        }

        OplogPosition update(String ns, String id, String o) {
            return op("u", ns, o, "{_id: " + id + "}");
        }

        OplogPosition delete(String ns, String id) {
            return op("d", ns, "{_id: " + id + "}", null);
        }

        OplogPosition command(String db, String o) {
            BsonDocument entry = new BsonDocument("op", new BsonString("c")).append("ns", new BsonString(db + ".$cmd"))
                    .append("o", BsonDocument.parse(o));
            return add(entry);
        }

        /** A transaction entry on admin.$cmd for session {@code session}. */
        OplogPosition transaction(int session, String o) {
            BsonDocument entry = new BsonDocument("lsid", new BsonDocument("id",
                    new BsonBinary(new UUID(0, session))).append("uid", new BsonBinary(new byte[32])))
                    .append("txnNumber", new BsonInt64(7)).append("op", new BsonString("c"))
                    .append("ns", new BsonString("admin.$cmd")).append("o", BsonDocument.parse(o));
            return add(entry);
        }

        OplogPosition noop() {
            return op("n", "", "{msg: 'periodic noop'}", null);
        }

        Path write() throws IOException {
            Path file = Files.createTempFile(tmp, "oplog", ".bson");
            try (OutputStream out = Files.newOutputStream(file)) {
                for (BsonDocument entry : entries) {
                    out.write(bytes(entry));
                }
            }
            return file;
        }
    }

    private static byte[] bytes(BsonDocument doc) {
        RawBsonDocument raw = new RawBsonDocument(doc, new BsonDocumentCodec());
        ByteBuffer buffer = raw.getByteBuffer().asNIO();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static String op(String kind, String ns, String o) {
        return "{op: '" + kind + "', ns: '" + ns + "', o: " + o + "}";
    }

    // ---- target access ----------------------------------------------------------------------------------------

    private OplogReplayResult replay(Path file, RestoreOptions options, OplogPosition after, OplogPosition until) {
        return new OplogApplier(client, options).apply(file, after, until);
    }

    private OplogReplayResult replay(Path file) {
        return replay(file, RestoreOptions.defaults(), null, null);
    }

    private void load(String db, String coll, String... docs) {
        for (String doc : docs) {
            client.getDatabase(db).getCollection(coll, BsonDocument.class).insertOne(BsonDocument.parse(doc));
        }
    }

    /** The documents of db.coll by _id, as canonical extended JSON (field order and number types visible). */
    private List<String> docs(String db, String coll) {
        List<String> result = new ArrayList<>();
        client.getDatabase(db).getCollection(coll, BsonDocument.class).find().sort(Sorts.ascending("_id"))
                .forEach(doc -> result.add(doc.toJson(CANONICAL)));
        return result;
    }

    private List<BsonDocument> storedDocs(String db, String coll) {
        return client.getDatabase(db).getCollection(coll, BsonDocument.class).find().sort(Sorts.ascending("_id"))
                .into(new ArrayList<>());
    }

    /**
     * Replays through a second client on the same server that records, as canonical JSON and while the event is
     * valid, the replacement documents of the update commands it sends.
     */
    private List<String> replayRecordingReplacements(Path file) {
        List<String> sent = new CopyOnWriteArrayList<>();
        MongoClientSettings settings = MongoClientSettings.builder()
                .applyToClusterSettings(b -> b.hosts(client.getClusterDescription().getClusterSettings().getHosts()))
                .addCommandListener(new CommandListener() {
                    @Override
                    public void commandStarted(CommandStartedEvent event) {
                        if (event.getCommandName().equals("update")) {
                            for (BsonValue update : event.getCommand().getArray("updates")) {
                                BsonDocument u = update.asDocument().getDocument("u");
                                if (!u.getFirstKey().startsWith("$")) {
                                    sent.add(u.toJson(CANONICAL));
                                }
                            }
                        }
                    }
                })
                .build();
        try (MongoClient recording = MongoClients.create(settings)) {
            new OplogApplier(recording, RestoreOptions.defaults()).apply(file, null, null);
        }
        return sent;
    }

    private static List<String> canonical(String... docs) {
        List<String> result = new ArrayList<>();
        for (String doc : docs) {
            result.add(BsonDocument.parse(doc).toJson(CANONICAL));
        }
        return result;
    }

    private List<String> collections(String db) {
        return client.getDatabase(db).listCollectionNames().into(new ArrayList<>());
    }

    private Map<String, BsonDocument> indexes(String db, String coll) {
        Map<String, BsonDocument> result = new HashMap<>();
        client.getDatabase(db).getCollection(coll).listIndexes(BsonDocument.class)
                .forEach(spec -> result.put(spec.getString("name").getValue(), spec));
        return result;
    }

    // ---- CRUD -------------------------------------------------------------------------------------------------

    @Test
    void insertsReplaceOrInsertByIdSoReplayingOverTheDumpIsHarmless() throws IOException {
        load("shop", "orders", "{_id: 1, status: 'dumped later', extra: true}");
        Oplog log = new Oplog();
        OplogPosition first = log.insert("shop.orders", "{_id: 1, status: 'new', total: {$numberLong: '10'}}");
        log.insert("shop.orders", "{_id: 2, status: 'new', items: [{sku: 'a', qty: 1.5}]}");
        OplogPosition last = log.insert("shop.orders", "{_id: {$oid: '65a000000000000000000001'}, n: {$numberDecimal: '1.10'}}");

        java.io.StringWriter err = new java.io.StringWriter();
        org.ipfsbackup.observe.ProgressReporter.useStream(new java.io.PrintWriter(err), false, java.time.Duration.ZERO);
        OplogReplayResult result;
        try {
            result = replay(log.write());
        } finally {
            org.ipfsbackup.observe.ProgressReporter.useLog();
        }
        // progress: a line per entry (interval zero), the last one with the whole file and the entries applied
        List<String> progress = err.toString().lines().toList();
        assertThat(progress).hasSize(4);
        assertThat(progress.get(3)).matches("oplog replay of .*: (.*) of \\1 \\(100%\\), .*/s, 3 entries applied, 0 skipped");

        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical(
                "{_id: 1, status: 'new', total: {$numberLong: '10'}}",
                "{_id: 2, status: 'new', items: [{sku: 'a', qty: 1.5}]}",
                "{_id: {$oid: '65a000000000000000000001'}, n: {$numberDecimal: '1.10'}}"));
        assertThat(result.applied()).isEqualTo(3);
        assertThat(result.skipped()).isZero();
        assertThat(result.first()).isEqualTo(first);
        assertThat(result.last()).isEqualTo(last);
        assertThat(result.byOperation()).containsExactly(entry("insert", 3L));
    }

    @Test
    void excludedDatabasesAreNeverReplayedWhateverNsIncludeSays() throws IOException {
        load("ipfs_backup", "backups", "{_id: 'kept'}");
        Oplog log = new Oplog();
        log.insert("shop.orders", "{_id: 1}");
        log.insert("ipfs_backup.backups", "{_id: 'from the oplog'}");
        log.insert("ipfs_backup.tmp.agg_out.1", "{_id: 1}");
        log.command("ipfs_backup", "{dropDatabase: 1}");

        for (List<String> nsInclude : List.of(List.<String>of(), List.of("*.*"))) {
            OplogReplayResult result = replay(log.write(), new RestoreOptions(false, nsInclude, "", Set.of("ipfs_backup")), null, null);
            assertThat(result.applied()).as("nsInclude " + nsInclude).isEqualTo(1);
            assertThat(result.skipped()).isEqualTo(3);
        }
        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical("{_id: 1}"));
        assertThat(docs("ipfs_backup", "backups")).containsExactlyElementsOf(canonical("{_id: 'kept'}"));
        assertThat(client.getDatabase("ipfs_backup").listCollectionNames().into(new ArrayList<>())).containsExactly("backups");
    }

    @Test
    void v1SetAndUnsetUpdatesWithDottedPathsAndUpsert() throws IOException {
        load("shop", "orders", "{_id: 1, a: 1, b: {c: 1, d: 2}, gone: true, arr: [1, 2, 3]}");
        Oplog log = new Oplog();
        log.update("shop.orders", "1", "{$v: 1, $set: {a: 2, 'b.c': 5, 'arr.1': 20}, $unset: {gone: true}}");
        log.update("shop.orders", "1", "{$set: {added: 'no $v'}}");
        log.update("shop.orders", "9", "{$v: 1, $set: {a: 1}}");

        OplogReplayResult result = replay(log.write());

        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical(
                "{_id: 1, a: 2, b: {c: 5, d: 2}, arr: [1, 20, 3], added: 'no $v'}",
                "{_id: 9, a: 1}"));
        assertThat(result.byOperation()).containsExactly(entry("update", 3L));
    }

    @Test
    void v2DiffsAreAppliedExactlyIncludingNestedArraysOfDocuments() throws IOException {
        load("shop", "orders", "{_id: 1, status: 'open', note: 'x', addr: {city: 'A', zip: '1'},"
                + " items: [{sku: 'a', qty: 1}, {sku: 'b', qty: 2, tags: ['t1']}], hist: [1, 2, 3, 4], cnt: 1}");
        Oplog log = new Oplog();
        log.update("shop.orders", "1", "{$v: 2, diff: {d: {note: false}, u: {status: 'paid', cnt: {$numberLong: '2'}},"
                + " i: {paidAt: {$date: '2024-01-02T03:04:05Z'}}, saddr: {u: {city: 'B'}, i: {country: 'NL'}}}}");
        log.update("shop.orders", "1", "{$v: 2, diff: {sitems: {a: true, u0: {sku: 'a', qty: 3},"
                + " s1: {u: {qty: 5}, stags: {a: true, u1: 't2'}}, u2: {sku: 'c', qty: 1}}, shist: {a: true, l: 2}}}");
        log.update("shop.orders", "7", "{$v: 2, diff: {i: {created: 'by diff'}}}");

        OplogReplayResult result = replay(log.write());

        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical(
                "{_id: 1, status: 'paid', addr: {city: 'B', zip: '1', country: 'NL'},"
                        + " items: [{sku: 'a', qty: 3}, {sku: 'b', qty: 5, tags: ['t1', 't2']}, {sku: 'c', qty: 1}],"
                        + " hist: [1, 2], cnt: {$numberLong: '2'}, paidAt: {$date: '2024-01-02T03:04:05Z'}}",
                "{_id: 7, created: 'by diff'}"));
        assertThat(result.byOperation()).containsExactly(entry("update", 3L));
    }

    @Test
    void replacementUpdatesReplaceTheWholeDocument() throws IOException {
        load("shop", "orders", "{_id: 1, a: 1, b: 2}");
        Oplog log = new Oplog();
        log.update("shop.orders", "1", "{_id: 1, c: 3, a: 'first now'}");
        log.update("shop.orders", "2", "{_id: 2, fresh: true}");

        List<String> sent = replayRecordingReplacements(log.write());

        // mongo-java-server keeps the stored position of fields that survive a replacement (MongoDB writes the
        // replacement's order), so the stored documents are compared as sets of fields and the order is checked
        // on the replacement that was sent
        assertThat(storedDocs("shop", "orders")).containsExactly(
                BsonDocument.parse("{_id: 1, c: 3, a: 'first now'}"), BsonDocument.parse("{_id: 2, fresh: true}"));
        assertThat(sent).containsExactlyElementsOf(canonical(
                "{_id: 1, c: 3, a: 'first now'}", "{_id: 2, fresh: true}"));
    }

    @Test
    void ferretDbWholeDocumentSetReplacesSoRemovedFieldsGo() throws IOException {
        ObjectId id = new ObjectId("6650f1a2b3c4d5e6f7a8b9c0");
        load("ferret", "users", "{_id: {$oid: '" + id.toHexString() + "'}, name: 'ann', tmp: 'removed by the update', v: 1}");
        // as FerretDB 1.24's oplog decorator writes an update: _id, ts, ns, op, o, o2, t, v, wall
        BsonDocument wholeDoc = BsonDocument.parse("{_id: {$oid: '" + id.toHexString() + "'}, name: 'ann b.',"
                + " v: {$numberLong: '2'}, tags: ['x']}");
        BsonDocument entry = new BsonDocument("_id", new BsonObjectId(new ObjectId()))
                .append("ts", new BsonTimestamp(T0 + 50, 3))
                .append("ns", new BsonString("ferret.users"))
                .append("op", new BsonString("u"))
                .append("o", new BsonDocument("$v", new BsonInt32(1)).append("$set", wholeDoc))
                .append("o2", new BsonDocument("_id", new BsonObjectId(id)))
                .append("t", new BsonInt64(1))
                .append("v", new BsonInt64(2))
                .append("wall", new BsonDateTime(new Date().getTime()));
        Path file = tmp.resolve("ferret-oplog.bson");
        Files.write(file, bytes(entry));

        OplogReplayResult result = replay(file);

        assertThat(docs("ferret", "users")).containsExactlyElementsOf(List.of(wholeDoc.toJson(CANONICAL)));
        assertThat(result.first()).isEqualTo(new OplogPosition(T0 + 50, 3));
        assertThat(result.byOperation()).containsExactly(entry("update", 1L));
    }

    @Test
    void deletesByIdAndMissingDocumentsAreFine() throws IOException {
        load("shop", "orders", "{_id: 1}", "{_id: 2}", "{_id: 'k'}");
        Oplog log = new Oplog();
        log.delete("shop.orders", "1");
        log.delete("shop.orders", "'k'");
        log.delete("shop.orders", "404");

        OplogReplayResult result = replay(log.write());

        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical("{_id: 2}"));
        assertThat(result.byOperation()).containsExactly(entry("delete", 3L));
    }

    @Test
    void unsupportedUpdateOperatorsAndFormatsFail() throws IOException {
        load("shop", "orders", "{_id: 1, n: 1}");
        Oplog inc = new Oplog();
        OplogPosition ts = inc.update("shop.orders", "1", "{$inc: {n: 1}}");
        assertThatThrownBy(() -> replay(inc.write())).isInstanceOf(RestoreException.class)
                .hasMessageContaining("unsupported update operator $inc").hasMessageContaining("ts " + ts);
        Oplog v3 = new Oplog();
        v3.update("shop.orders", "1", "{$v: 3, diff: {u: {n: 2}}}");
        assertThatThrownBy(() -> replay(v3.write())).hasMessageContaining("unsupported update format {\"$v\": 3}");
        Oplog badDiff = new Oplog();
        badDiff.update("shop.orders", "1", "{$v: 2, diff: {x: {n: 2}}}");
        assertThatThrownBy(() -> replay(badDiff.write())).hasMessageContaining("invalid $v:2 diff");
        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical("{_id: 1, n: 1}"));
    }

    // ---- commands ---------------------------------------------------------------------------------------------

    @Test
    void createCreateIndexesCommitIndexBuildDropIndexesAndDrop() throws IOException {
        Oplog log = new Oplog();
        log.command("shop", "{create: 'events', idIndex: {v: 2, key: {_id: 1}, name: '_id_'}}");
        log.command("shop", "{createIndexes: 'events', v: 2, key: {a: 1}, name: 'a_1', unique: true}");
        log.command("shop", "{startIndexBuild: 'events', indexBuildUUID: {$binary: {base64: 'AAAAAAAAAAAAAAAAAAAAAA==', subType: '04'}},"
                + " indexes: [{v: 2, key: {b: -1}, name: 'b_-1'}]}");
        log.command("shop", "{commitIndexBuild: 'events', indexBuildUUID: {$binary: {base64: 'AAAAAAAAAAAAAAAAAAAAAA==', subType: '04'}},"
                + " indexes: [{v: 2, key: {b: -1}, name: 'b_-1'}, {v: 2, key: {c: 1}, name: 'c_1', sparse: true}]}");
        log.insert("shop.events", "{_id: 1, a: 1, b: 1}");
        Path file = log.write();

        OplogReplayResult result = replay(file);

        assertThat(collections("shop")).containsExactly("events");
        Map<String, BsonDocument> indexes = indexes("shop", "events");
        assertThat(indexes.keySet()).containsExactlyInAnyOrder("_id_", "a_1", "b_-1", "c_1");
        assertThat(indexes.get("a_1").getBoolean("unique").getValue()).isTrue();
        assertThat(indexes.get("b_-1").getDocument("key")).isEqualTo(BsonDocument.parse("{b: -1}"));
        assertThat(indexes.get("c_1").getBoolean("sparse").getValue()).isTrue();
        assertThat(result.applied()).isEqualTo(4);
        assertThat(result.skipped()).isEqualTo(1); // startIndexBuild
        assertThat(result.byOperation()).containsExactly(entry("commitIndexBuild", 1L), entry("create", 1L),
                entry("createIndexes", 1L), entry("insert", 1L));

        // replaying again over that state is harmless (existing collection and indexes)
        assertThat(replay(file).applied()).isEqualTo(4);
        assertThat(docs("shop", "events")).containsExactlyElementsOf(canonical("{_id: 1, a: 1, b: 1}"));

        Oplog drops = new Oplog();
        drops.seconds = T0 + 100;
        drops.command("shop", "{dropIndexes: 'events', index: 'a_1'}");
        drops.command("shop", "{dropIndexes: 'events', index: 'a_1'}"); // already gone: fine
        drops.command("shop", "{deleteIndexes: 'events', index: {b: -1}}");
        replay(drops.write());
        assertThat(indexes("shop", "events").keySet()).containsExactlyInAnyOrder("_id_", "c_1");

        Oplog all = new Oplog();
        all.seconds = T0 + 200;
        all.command("shop", "{dropIndexes: 'events', index: '*'}");
        all.command("shop", "{drop: 'events'}");
        all.command("shop", "{dropIndexes: 'events', index: '*'}"); // collection gone: fine
        OplogReplayResult dropped = replay(all.write());
        assertThat(collections("shop")).doesNotContain("events");
        assertThat(dropped.byOperation()).containsExactly(entry("drop", 1L), entry("dropIndexes", 2L));
    }

    @Test
    void createIndexesReplacesAnIndexOfTheSameNameWithOtherOptions() throws IOException {
        // the dump already holds the later state: a_1 unique; the window replays its earlier, plain definition
        client.getDatabase("shop").getCollection("orders").createIndex(Indexes.ascending("a"),
                new IndexOptions().name("a_1").unique(true));
        Oplog log = new Oplog();
        log.command("shop", "{createIndexes: 'orders', v: 2, key: {a: 1}, name: 'a_1'}");

        replay(log.write());

        assertThat(indexes("shop", "orders").get("a_1")).doesNotContainKey("unique");
    }

    @Test
    void applyOpsAppliesEveryNestedOperationAtItsTs() throws IOException {
        load("shop", "orders", "{_id: 1, s: 'a'}", "{_id: 2}");
        Oplog log = new Oplog();
        OplogPosition ts = log.transaction(1, "{applyOps: ["
                + op("c", "shop.$cmd", "{create: 'audit'}") + ", "
                + op("i", "shop.audit", "{_id: 'e1', what: 'paid'}") + ", "
                + "{op: 'u', ns: 'shop.orders', o: {$v: 2, diff: {u: {s: 'b'}}}, o2: {_id: 1}}, "
                + op("d", "shop.orders", "{_id: 2}") + ", "
                + op("i", "other.ignored", "{_id: 1}") + ", "
                + op("c", "shop.$cmd", "{applyOps: [" + op("i", "shop.audit", "{_id: 'e2'}") + "]}")
                + "]}");

        OplogReplayResult result = replay(log.write(), new RestoreOptions(false, List.of("shop.*"), ""), null, null);

        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical("{_id: 1, s: 'b'}"));
        assertThat(docs("shop", "audit")).containsExactlyElementsOf(canonical("{_id: 'e1', what: 'paid'}", "{_id: 'e2'}"));
        assertThat(collections("other")).isEmpty();
        assertThat(result.applied()).isEqualTo(5);
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.first()).isEqualTo(ts);
        assertThat(result.byOperation()).containsExactly(entry("create", 1L), entry("delete", 1L),
                entry("insert", 2L), entry("update", 1L));
    }

    @Test
    void multiEntryTransactionIsAppliedAtItsCommitEntryOnly() throws IOException {
        Oplog log = new Oplog();
        log.transaction(1, "{applyOps: [" + op("i", "shop.t", "{_id: 1}") + ", " + op("i", "shop.t", "{_id: 2}")
                + "], partialTxn: true}");
        OplogPosition between = log.insert("shop.plain", "{_id: 'p'}");
        OplogPosition commit = log.transaction(1, "{applyOps: [" + op("i", "shop.t", "{_id: 3}") + "], count: 3}");
        Path file = log.write();

        OplogReplayResult cut = replay(file, RestoreOptions.defaults(), null, between);
        assertThat(docs("shop", "t")).isEmpty();
        assertThat(docs("shop", "plain")).containsExactlyElementsOf(canonical("{_id: 'p'}"));
        assertThat(cut.applied()).isEqualTo(1);
        assertThat(cut.skipped()).isEqualTo(2); // the uncommitted part's operations

        OplogReplayResult whole = replay(file, RestoreOptions.defaults(), between, null);
        assertThat(docs("shop", "t")).containsExactlyElementsOf(canonical("{_id: 1}", "{_id: 2}", "{_id: 3}"));
        assertThat(whole.applied()).isEqualTo(3);
        assertThat(whole.first()).isEqualTo(commit);

        Oplog tail = new Oplog();
        tail.seconds = T0 + 10;
        tail.transaction(1, "{applyOps: [" + op("i", "shop.t", "{_id: 3}") + "], count: 3}");
        assertThatThrownBy(() -> replay(tail.write())).isInstanceOf(RestoreException.class)
                .hasMessageContaining("count 3").hasMessageContaining("only 1 of them");
    }

    @Test
    void preparedTransactionsApplyOnCommitAndVanishOnAbort() throws IOException {
        Oplog log = new Oplog();
        log.transaction(1, "{applyOps: [" + op("i", "shop.t", "{_id: 'committed'}") + "], prepare: true}");
        log.transaction(2, "{applyOps: [" + op("i", "shop.t", "{_id: 'aborted'}") + "], prepare: true}");
        log.transaction(2, "{abortTransaction: 1}");
        log.transaction(1, "{commitTransaction: 1, commitTimestamp: {$timestamp: {t: " + (T0 + 1) + ", i: 1}}}");

        OplogReplayResult result = replay(log.write());

        assertThat(docs("shop", "t")).containsExactlyElementsOf(canonical("{_id: 'committed'}"));
        assertThat(result.applied()).isEqualTo(1);
        assertThat(result.skipped()).isEqualTo(3); // abort entry, the aborted insert, commit entry

        Oplog orphan = new Oplog();
        orphan.transaction(1, "{commitTransaction: 1}");
        assertThatThrownBy(() -> replay(orphan.write())).hasMessageContaining("prepared before it");
    }

    @Test
    void renameCollectionWithinAndAcrossTheRestoredNamespaces() throws IOException {
        load("shop", "a", "{_id: 1}");
        load("shop", "b", "{_id: 'old b'}");
        load("shop", "c", "{_id: 2}");
        Oplog log = new Oplog();
        log.command("shop", "{renameCollection: 'shop.a', to: 'shop.b', stayTemp: false,"
                + " dropTarget: {$binary: {base64: 'AAAAAAAAAAAAAAAAAAAAAA==', subType: '04'}}}");
        log.command("shop", "{renameCollection: 'shop.c', to: 'shop.archived_c', dropTarget: false}");
        log.command("other", "{renameCollection: 'other.x', to: 'other.y'}");

        OplogReplayResult result = replay(log.write(), new RestoreOptions(false, List.of("shop.a", "shop.b", "shop.c"), ""),
                null, null);

        assertThat(docs("shop", "b")).containsExactlyElementsOf(canonical("{_id: 1}"));
        assertThat(collections("shop")).containsExactly("b"); // c left the restored set: dropped
        assertThat(result.byOperation()).containsExactly(entry("renameCollection", 2L));
        assertThat(result.skipped()).isEqualTo(1);

        Oplog in = new Oplog();
        OplogPosition ts = in.command("shop", "{renameCollection: 'shop.elsewhere', to: 'shop.b'}");
        assertThatThrownBy(() -> replay(in.write(), new RestoreOptions(false, List.of("shop.b"), ""), null, null))
                .isInstanceOf(RestoreException.class).hasMessageContaining("ts " + ts)
                .hasMessageContaining("moves shop.elsewhere, which is not restored, into shop.b");
    }

    @Test
    void aggregationOutTempCollectionsAreReplayedWhateverNsInclude() throws IOException {
        load("shop", "report", "{_id: 'stale'}");
        Oplog log = new Oplog();
        log.command("shop", "{create: 'tmp.agg_out.5d1c', temp: true}");
        log.insert("shop.tmp.agg_out.5d1c", "{_id: 'r1', total: 3}");
        log.command("shop", "{renameCollection: 'shop.tmp.agg_out.5d1c', to: 'shop.report', stayTemp: false, dropTarget: true}");

        replay(log.write(), new RestoreOptions(false, List.of("shop.report"), ""), null, null);

        assertThat(docs("shop", "report")).containsExactlyElementsOf(canonical("{_id: 'r1', total: 3}"));
        assertThat(collections("shop")).containsExactly("report");
    }

    @Test
    void dropDatabaseDropsOnlyTheRestoredCollectionsUnderNsInclude() throws IOException {
        load("shop", "orders", "{_id: 1}");
        load("shop", "keep", "{_id: 1}");
        load("crm", "people", "{_id: 1}");
        Oplog shop = new Oplog();
        shop.command("shop", "{dropDatabase: 1}");
        replay(shop.write(), new RestoreOptions(false, List.of("shop.orders"), ""), null, null);
        assertThat(collections("shop")).containsExactly("keep");

        Oplog crm = new Oplog();
        crm.command("crm", "{dropDatabase: 1}");
        crm.command("admin", "{dropDatabase: 1}");
        OplogReplayResult result = replay(crm.write());
        assertThat(client.listDatabaseNames().into(new ArrayList<>())).doesNotContain("crm").contains("shop");
        assertThat(result.byOperation()).containsExactly(entry("dropDatabase", 1L));
        assertThat(result.skipped()).isEqualTo(1);
    }

    @Test
    void unknownCommandFailsNamingItAndItsTsAfterApplyingWhatCameBefore() throws IOException {
        Oplog log = new Oplog();
        log.insert("shop.orders", "{_id: 1}");
        OplogPosition ts = log.command("shop", "{collMod: 'orders', validator: {a: {$exists: true}}}");
        log.insert("shop.orders", "{_id: 2}");

        assertThatThrownBy(() -> replay(log.write())).isInstanceOf(RestoreException.class)
                .hasMessageContaining("unsupported oplog command 'collMod'")
                .hasMessageContaining("entry at ts " + ts + " (op 'c' on shop.$cmd)");
        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical("{_id: 1}"));

        // on a namespace that is not restored it is skipped
        OplogReplayResult result = replay(log.write(), new RestoreOptions(false, List.of("shop.other"), ""), null, null);
        assertThat(result.applied()).isZero();
        assertThat(result.skipped()).isEqualTo(3);
    }

    // ---- window, order, filtering -----------------------------------------------------------------------------

    @Test
    void untilIsInclusiveAndReadingStopsThere() throws IOException {
        Oplog log = new Oplog();
        OplogPosition p1 = log.insert("shop.orders", "{_id: 1, v: 1}");
        log.update("shop.orders", "1", "{$v: 2, diff: {u: {v: 2}}}");
        OplogPosition p3 = log.insert("shop.orders", "{_id: 2}");
        log.delete("shop.orders", "1");
        log.insert("shop.orders", "{_id: 3}");
        Path file = log.write();
        // a damaged tail after the cut is never read: the file is streamed and reading stops at ts > until
        Files.write(file, new byte[] {(byte) 0xFF, 0x00, 0x00, 0x7F, 0x01}, StandardOpenOption.APPEND);

        OplogReplayResult result = replay(file, RestoreOptions.defaults(), null, p3);

        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical("{_id: 1, v: 2}", "{_id: 2}"));
        assertThat(result.applied()).isEqualTo(3);
        assertThat(result.first()).isEqualTo(p1);
        assertThat(result.last()).isEqualTo(p3);
        assertThat(result.byOperation()).containsExactly(entry("insert", 2L), entry("update", 1L));

        assertThatThrownBy(() -> replay(file)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("invalid document length");
    }

    @Test
    void afterIsExclusive() throws IOException {
        Oplog log = new Oplog();
        log.insert("shop.orders", "{_id: 1}");
        OplogPosition p2 = log.insert("shop.orders", "{_id: 2}");
        OplogPosition p3 = log.insert("shop.orders", "{_id: 3}");
        OplogPosition p4 = log.insert("shop.orders", "{_id: 4}");
        Path file = log.write();

        OplogReplayResult result = replay(file, RestoreOptions.defaults(), p2, p3);

        assertThat(docs("shop", "orders")).containsExactlyElementsOf(canonical("{_id: 3}"));
        assertThat(result.first()).isEqualTo(p3);
        assertThat(result.last()).isEqualTo(p3);
        assertThat(result.applied()).isEqualTo(1);

        OplogReplayResult empty = replay(file, RestoreOptions.defaults(), p4, null);
        assertThat(empty.applied()).isZero();
        assertThat(empty.first()).isNull();
        assertThat(empty.last()).isNull();
        assertThatThrownBy(() -> replay(file, RestoreOptions.defaults(), p3, p2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nsIncludeDbPrefixAndServerNamespacesAreHonoured() throws IOException {
        Oplog log = new Oplog();
        log.insert("shop.orders", "{_id: 1}");
        log.insert("shop.carts", "{_id: 1}");
        log.insert("shop.system.profile", "{_id: 1}");
        log.insert("crm.customers", "{_id: 1}");
        log.insert("admin.system.users", "{_id: 'admin.u'}");
        log.insert("config.system.sessions", "{_id: 1}");
        log.insert("local.startup_log", "{_id: 1}");
        log.noop();
        log.command("crm", "{create: 'leads'}");

        OplogReplayResult result = replay(log.write(), new RestoreOptions(false, List.of("shop.*"), "r_"), null, null);

        assertThat(docs("r_shop", "orders")).containsExactlyElementsOf(canonical("{_id: 1}"));
        assertThat(docs("r_shop", "carts")).containsExactlyElementsOf(canonical("{_id: 1}"));
        assertThat(client.listDatabaseNames().into(new ArrayList<>())).containsExactly("r_shop");
        assertThat(collections("r_shop")).containsExactlyInAnyOrder("orders", "carts");
        assertThat(result.applied()).isEqualTo(2);
        assertThat(result.skipped()).isEqualTo(7);
    }

    @Test
    void outOfOrderOrRepeatedTsFailsClearly() throws IOException {
        Oplog log = new Oplog();
        log.insert("shop.orders", "{_id: 1}");
        OplogPosition late = log.insert("shop.orders", "{_id: 2}");
        log.seconds = T0; // the next entry goes back in time
        OplogPosition early = log.insert("shop.orders", "{_id: 3}");

        assertThatThrownBy(() -> replay(log.write())).isInstanceOf(RestoreException.class)
                .hasMessageContaining("not in ascending ts order: ts " + early).hasMessageContaining("follows ts " + late);

        Oplog repeated = new Oplog();
        repeated.insert("shop.orders", "{_id: 1}");
        repeated.seconds--;
        repeated.insert("shop.orders", "{_id: 2}");
        assertThatThrownBy(() -> replay(repeated.write())).hasMessageContaining("not in ascending ts order");
    }

    @Test
    void malformedEntriesFailNamingWhatIsWrong() throws IOException {
        Path noTs = tmp.resolve("nots.bson");
        Files.write(noTs, bytes(BsonDocument.parse("{op: 'i', ns: 'shop.o', o: {_id: 1}}")));
        assertThatThrownBy(() -> replay(noTs)).hasMessageContaining("byte offset 0 has no ts");

        Oplog log = new Oplog();
        log.op("x", "shop.o", "{_id: 1}", null);
        assertThatThrownBy(() -> replay(log.write())).hasMessageContaining("unknown op 'x'");

        Oplog noId = new Oplog();
        noId.insert("shop.o", "{a: 1}");
        assertThatThrownBy(() -> replay(noId.write())).hasMessageContaining("o has no _id");
    }

    @Test
    void replayingAMixedOplogTwiceGivesTheSameState() throws IOException {
        Oplog log = new Oplog();
        log.command("shop", "{create: 'orders'}");
        log.insert("shop.orders", "{_id: 1, items: [{sku: 'a'}], n: 1}");
        log.insert("shop.orders", "{_id: 2, n: 1}");
        log.update("shop.orders", "1", "{$v: 2, diff: {u: {n: 2}, sitems: {a: true, s0: {i: {qty: 2}}}}}");
        log.update("shop.orders", "2", "{$v: 1, $set: {n: 5}, $unset: {gone: 1}}");
        log.delete("shop.orders", "2");
        log.insert("shop.orders", "{_id: 3}");
        Path file = log.write();

        replay(file);
        List<String> once = docs("shop", "orders");
        replay(file);

        assertThat(docs("shop", "orders")).isEqualTo(once).containsExactlyElementsOf(canonical(
                "{_id: 1, items: [{sku: 'a', qty: 2}], n: 2}", "{_id: 3}"));
    }
}
