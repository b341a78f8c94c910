package org.ipfsbackup.mongo;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DumpLayoutTest {

    @TempDir
    Path tmp;

    @Test
    void fileNamesAreEscapedLikeMongoToolsEscapeCollectionName() {
        assertThat(DumpLayout.fileBase("orders")).isEqualTo("orders");
        assertThat(DumpLayout.fileBase("a.b-c_d~e")).isEqualTo("a.b-c_d~e");
        // url.QueryEscape, as the real mongodump 100.10.0 names files (MongodumpStackTest compares them)
        assertThat(DumpLayout.fileBase("a/b c%")).isEqualTo("a%2Fb+c%25");
        assertThat(DumpLayout.fileBase("x$y&z+w:v=u@t")).isEqualTo("x%24y%26z%2Bw%3Av%3Du%40t");
        assertThat(DumpLayout.fileBase("q?r;s,t!")).isEqualTo("q%3Fr%3Bs%2Ct%21");
        assertThat(DumpLayout.fileBase("grüße")).isEqualTo("gr%C3%BC%C3%9Fe");
        String longName = "x".repeat(300);
        String base = DumpLayout.fileBase(longName);
        assertThat(base).hasSize(208 + 3 + 27).startsWith("x".repeat(208) + "%24");
    }

    @Test
    void systemNamespacesAreSkippedAsMongodumpDoes() {
        assertThat(DumpLayout.skipSystemNamespace("shop", "system.profile")).isTrue();
        assertThat(DumpLayout.skipSystemNamespace("shop", "system.js")).isFalse();
        assertThat(DumpLayout.skipSystemNamespace("shop", "system.buckets.weather")).isTrue();
        assertThat(DumpLayout.skipSystemNamespace("admin", "system.users")).isFalse();
        assertThat(DumpLayout.skipSystemNamespace("admin", "system.keys")).isTrue();
        assertThat(DumpLayout.skipSystemNamespace("config", "transactions")).isTrue();
        assertThat(DumpLayout.skipSystemNamespace("config", "cache.chunks.x")).isTrue();
        assertThat(DumpLayout.skipSystemNamespace("shop", "a$b")).isTrue();
        assertThat(DumpLayout.skipSystemNamespace("shop", "orders")).isFalse();
    }

    @Test
    void metadataJsonIsCompactCanonicalInMongodumpsFieldOrder() {
        BsonDocument id = new BsonDocument("v", new BsonInt32(2)).append("key", new BsonDocument("_id", new BsonInt32(1)))
                .append("name", new BsonString("_id_"));
        BsonDocument capped = new BsonDocument("capped", BsonBoolean.TRUE).append("size", new BsonInt64(4096));
        assertThat(DumpLayout.metadataJson(capped, List.of(id), "0123456789abcdef0123456789abcdef", "log", "collection"))
                .isEqualTo("{\"options\":{\"capped\":true,\"size\":{\"$numberLong\":\"4096\"}},"
                        + "\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"_id\":{\"$numberInt\":\"1\"}},\"name\":\"_id_\"}],"
                        + "\"uuid\":\"0123456789abcdef0123456789abcdef\",\"collectionName\":\"log\",\"type\":\"collection\"}");
        assertThat(DumpLayout.metadataJson(new BsonDocument(), List.of(), null, "v", null))
                .isEqualTo("{\"indexes\":[],\"collectionName\":\"v\"}");
    }

    @Test
    void uuidIsHexOfInfoUuid() {
        byte[] bytes = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
        BsonDocument info = new BsonDocument("name", new BsonString("c"))
                .append("info", new BsonDocument("uuid", new BsonBinary(BsonBinarySubType.UUID_STANDARD, bytes)));
        assertThat(DumpLayout.uuidHex(info)).isEqualTo("00112233445566778899aabbccddeeff");
        assertThat(DumpLayout.uuidHex(new BsonDocument("name", new BsonString("c")))).isNull();
    }

    @Test
    void bsonFilesAreReadBackDocumentByDocument() throws IOException {
        Path file = tmp.resolve("c.bson");
        List<RawBsonDocument> docs = List.of(RawBsonDocument.parse("{a: 1}"), RawBsonDocument.parse("{b: 'x', c: [1, 2]}"),
                RawBsonDocument.parse("{}"));
        try (OutputStream out = Files.newOutputStream(file)) {
            for (RawBsonDocument d : docs) {
                DumpLayout.write(out, d);
            }
        }
        List<RawBsonDocument> back = new ArrayList<>();
        assertThat(DumpLayout.forEachDocument(file, back::add)).isEqualTo(3);
        assertThat(back).isEqualTo(docs);
        assertThat(DumpLayout.countDocuments(file)).isEqualTo(3);

        Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> DumpLayout.countDocuments(file)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> DumpLayout.forEachDocument(file, d -> { })).isInstanceOf(IOException.class);
    }

    @Test
    void oplogEntriesThatBreakAFullDumpAreRecognised() {
        BsonTimestamp ts = new BsonTimestamp(10, 1);
        assertThat(DumpLayout.oplogEntryProblem(new BsonDocument("ts", ts).append("op", new BsonString("i"))
                .append("ns", new BsonString("shop.orders")).append("o", new BsonDocument("_id", new BsonInt32(1))))).isNull();
        assertThat(DumpLayout.oplogEntryProblem(new BsonDocument("ts", ts).append("op", new BsonString("c"))
                .append("ns", new BsonString("admin.$cmd"))
                .append("o", new BsonDocument("renameCollection", new BsonString("shop.a")).append("to", new BsonString("shop.b")))))
                .contains("renames");
        assertThat(DumpLayout.oplogEntryProblem(new BsonDocument("ts", ts).append("ns", new BsonString("admin.system.version"))
                .append("o", new BsonDocument()))).contains("admin.system.version");
        assertThat(DumpLayout.oplogEntryProblem(new BsonDocument("ts", ts).append("ns", new BsonString("config.$cmd"))
                .append("o", new BsonDocument("create", new BsonString("reshardingOperations"))))).contains("resharding");
        assertThat(DumpLayout.oplogEntryProblem(new BsonDocument("ts", ts).append("ns", new BsonString("shop.$cmd"))
                .append("o", new BsonDocument("applyOps", new BsonArray())))).isNull();
    }

    @Test
    void statsCountNamespacesDocumentsAndOplog() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("d/shop"));
        try (OutputStream o = Files.newOutputStream(out.resolve("orders.bson"))) {
            DumpLayout.write(o, RawBsonDocument.parse("{a: 1}"));
            DumpLayout.write(o, RawBsonDocument.parse("{a: 2}"));
        }
        Files.writeString(out.resolve("orders.metadata.json"), "{}");
        Files.writeString(out.resolve("view.metadata.json"), "{}");
        try (OutputStream o = Files.newOutputStream(tmp.resolve("d/oplog.bson"))) {
            DumpLayout.write(o, RawBsonDocument.parse("{ts: {$timestamp: {t: 1, i: 1}}}"));
        }
        DumpLayout.Stats s = DumpLayout.stats(tmp.resolve("d"));
        assertThat(s.collections()).isEqualTo(2);
        assertThat(s.documents()).isEqualTo(2);
        assertThat(s.oplogOperations()).isEqualTo(1);
        assertThat(s.bytes()).isEqualTo(Files.size(out.resolve("orders.bson")) + Files.size(tmp.resolve("d/oplog.bson")));
    }

    @Test
    void decodesEscapedFileNamesAndPrefersCollectionNameFromMetadata() throws IOException {
        Path db = Files.createDirectories(tmp.resolve("dump/db"));
        Files.write(db.resolve("a%2Fb%25c.bson"), new byte[0]);
        Files.write(db.resolve("truncated-name-hash.bson"), new byte[0]);
        Files.writeString(db.resolve("truncated-name-hash.metadata.json"),
                new BsonDocument("collectionName", new BsonString("the real, very long name")).toJson());

        assertThat(DumpLayout.scan(tmp.resolve("dump")).entries()).extracting(DumpLayout.Entry::collection)
                .containsExactly("a/b%c", "the real, very long name");
        assertThat(DumpLayout.unescape("plain")).isEqualTo("plain");
        assertThat(DumpLayout.unescape("100%")).isEqualTo("100%");
        assertThat(DumpLayout.unescape("ü%20😀")).isEqualTo("ü 😀");
    }

    @Test
    void refusesGzippedDumps() throws IOException {
        Path db = Files.createDirectories(tmp.resolve("dump/db"));
        Files.write(db.resolve("c.bson.gz"), new byte[0]);
        assertThatThrownBy(() -> DumpLayout.scan(tmp.resolve("dump")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("c.bson.gz")
                .hasMessageContaining("--gzip");
    }

    @Test
    void badMetadataNamesTheFile() throws IOException {
        Path db = Files.createDirectories(tmp.resolve("dump/db"));
        Files.writeString(db.resolve("c.metadata.json"), "{not json");
        assertThatThrownBy(() -> DumpLayout.scan(tmp.resolve("dump")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("c.metadata.json");
    }

    @Test
    void fileNamesRoundTripEveryCollectionName() throws IOException {
        List<String> names = List.of("plain", "a b", "a+b", "a + b", "100%", "%2F", "a/b", "a.b.c", "x$y&z:v=u@t",
                "grüße", "日本語 コレクション", "emoji 😀+%/.", "+", " ", "%", "a%20b", "trailing ");
        for (String name : names) {
            assertThat(DumpLayout.unescape(DumpLayout.fileBase(name))).as(name).isEqualTo(name);
        }
        // without metadata (collectionName) the name comes from the file name alone
        Path db = Files.createDirectories(tmp.resolve("rt/db"));
        for (String name : names) {
            Files.write(db.resolve(DumpLayout.fileBase(name) + DumpLayout.BSON), new byte[0]);
        }
        assertThat(DumpLayout.scan(tmp.resolve("rt")).entries()).extracting(DumpLayout.Entry::collection)
                .containsExactlyInAnyOrderElementsOf(names);
    }
}
