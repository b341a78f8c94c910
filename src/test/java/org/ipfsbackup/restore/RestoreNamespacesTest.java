package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.mongodb.client.MongoClient;

/**
 * The namespaces a point-in-time restore writes ({@link RestoreNamespaces}): computed from a dump and oplog files
 * without any server, then checked against and dropped from an in-JVM target (no Camel).
 */
class RestoreNamespacesTest {

    @TempDir
    Path tmp;

    private static final Set<String> MANIFEST_DB = Set.of("ipfs_backup");

    /** A dump with a collection, a view and a skipped system collection. */
    private Path dump() throws IOException {
        Path dir = tmp.resolve("dump");
        Files.createDirectories(dir.resolve("shop"));
        DumpFixture.writeBson(dir.resolve("shop/orders.bson"), List.of(DumpFixture.raw(BsonDocument.parse("{_id: 1}"))));
        DumpFixture.writeJson(dir.resolve("shop/orders.metadata.json"), BsonDocument.parse(
                "{options: {}, indexes: [], collectionName: 'orders', type: 'collection'}"));
        DumpFixture.writeJson(dir.resolve("shop/open.metadata.json"), BsonDocument.parse(
                "{options: {viewOn: 'orders', pipeline: []}, indexes: [], collectionName: 'open', type: 'view'}"));
        Files.createDirectories(dir.resolve("admin"));
        DumpFixture.writeBson(dir.resolve("admin/system.users.bson"), List.of(DumpFixture.raw(BsonDocument.parse("{_id: 'admin.root'}"))));
        DumpFixture.writeJson(dir.resolve("admin/system.users.metadata.json"), BsonDocument.parse(
                "{options: {}, indexes: [], collectionName: 'system.users'}"));
        return dir;
    }

    /** An oplog.bson of the given entries ({@code op}, {@code ns}, {@code o} as JSON), one second apart. */
    private Path oplog(String name, String... entries) throws IOException {
        List<RawBsonDocument> docs = new ArrayList<>();
        int seconds = 1_800_000_000;
        for (String entry : entries) {
            BsonDocument doc = new BsonDocument("ts", new BsonTimestamp(++seconds, 1));
            doc.putAll(BsonDocument.parse(entry));
            docs.add(DumpFixture.raw(doc));
        }
        Path file = tmp.resolve(name);
        DumpFixture.writeBson(file, docs);
        return file;
    }

    private static String crud(String op, String ns) {
        return "{op: '" + op + "', ns: '" + ns + "', o: {_id: 1}, o2: {_id: 1}}";
    }

    private static String command(String db, String o) {
        return "{op: 'c', ns: '" + db + ".$cmd', o: " + o + "}";
    }

    /** The chain used below: collections created, renamed, dropped, written in a transaction, after the full. */
    private List<Path> oplogs() throws IOException {
        Path full = oplog("full-oplog.bson",
                crud("u", "shop.orders"),
                "{op: 'n', ns: '', o: {msg: 'periodic noop'}}",
                crud("i", "ipfs_backup.backups"),
                crud("i", "local.oplog.rs"),
                crud("i", "admin.system.version"));
        Path incremental = oplog("incremental-oplog.bson",
                crud("i", "late.items"),
                crud("d", "other.gone"),
                command("late", "{create: 'created'}"),
                command("late", "{renameCollection: 'late.tmp', to: 'late.renamed', dropTarget: false}"),
                command("admin", "{applyOps: [" + crud("i", "txn.a") + ", " + crud("u", "txn.b") + "]}"),
                command("late", "{drop: 'dropped'}"),
                command("late", "{createIndexes: 'indexed', key: {x: 1}, name: 'x_1'}"),
                command("late", "{collMod: 'modified'}"),
                command("wiped", "{dropDatabase: 1}"),
                command("ipfs_backup", "{dropDatabase: 1}"),
                crud("i", "late.system.profile"),
                crud("i", "late.tmp.agg_out.1"),
                crud("u", "ipfs_backup.manifest_state"));
        return List.of(full, incremental, tmp.resolve("absent-oplog.bson"));
    }

    @Test
    void theDumpsCollectionsAndViewsAndEveryCollectionTheOplogsWriteNeverTheManifestDatabase() throws IOException {
        RestoreNamespaces written = RestoreNamespaces.of(new RestoreOptions(false, List.of(), "", MANIFEST_DB), dump(), oplogs());

        assertThat(written.collections()).containsExactly("late.created", "late.dropped", "late.indexed", "late.items",
                "late.modified", "late.renamed", "late.tmp", "late.tmp.agg_out.1", "other.gone", "shop.orders", "txn.a", "txn.b");
        assertThat(written.views()).containsExactly("shop.open");
        assertThat(written.droppedDatabases()).containsExactly("wiped");
    }

    @Test
    void nsIncludeSelectsInTheDumpAndInTheOplogsAlike() throws IOException {
        RestoreNamespaces written = RestoreNamespaces.of(new RestoreOptions(false, List.of("late.*", "shop.open"), "", MANIFEST_DB),
                dump(), oplogs());

        assertThat(written.collections()).containsExactly("late.created", "late.dropped", "late.indexed", "late.items",
                "late.modified", "late.renamed", "late.tmp", "late.tmp.agg_out.1");
        assertThat(written.views()).containsExactly("shop.open");
        assertThat(written.droppedDatabases()).containsExactly("wiped"); // its included collections are read from the target
    }

    @Test
    void aRenameIntoTheSelectionCountsBothNamesAndTheManifestDatabaseStaysOutWhateverThePatterns() throws IOException {
        Path file = oplog("rename.bson",
                command("late", "{renameCollection: 'late.tmp', to: 'kept.final'}"),
                crud("i", "ipfs_backup.backups"));
        RestoreNamespaces written = RestoreNamespaces.of(new RestoreOptions(false, List.of("*.*"), "", MANIFEST_DB), null, List.of(file));

        assertThat(written.collections()).containsExactly("kept.final", "late.tmp");
    }

    @Test
    void theTargetIsRefusedNamingEveryCollectionThatHoldsDocumentsAndDroppedWithDrop() throws IOException {
        try (MongoTestServer server = new MongoTestServer()) {
            MongoClient target = server.client();
            target.getDatabase("late").getCollection("items").insertOne(new Document("_id", "from a later restore"));
            target.getDatabase("late").getCollection("created").insertOne(new Document("_id", 1));
            target.getDatabase("late").getCollection("empty").insertOne(new Document("_id", 1));
            target.getDatabase("late").getCollection("empty").deleteMany(new Document());
            target.getDatabase("wiped").getCollection("anything").insertOne(new Document("_id", 1));
            target.getDatabase("ipfs_backup").getCollection("backups").insertOne(new Document("_id", "manifest"));
            target.getDatabase("operator").getCollection("keep").insertOne(new Document("_id", "keep"));
            RestoreNamespaces written = RestoreNamespaces.of(new RestoreOptions(false, List.of(), "", MANIFEST_DB), dump(), oplogs());

            assertThatThrownBy(() -> written.requireEmpty(target))
                    .isInstanceOf(RestoreException.class)
                    .hasMessage("target collection late.created is not empty; use --drop\n"
                            + "target collection late.items is not empty; use --drop\n"
                            + "target collection wiped.anything is not empty; use --drop");

            assertThat(written.drop(target)).containsExactly("late.created", "late.items", "wiped.anything");
            assertThat(target.getDatabase("late").listCollectionNames().into(new ArrayList<>())).containsExactly("empty");
            assertThat(target.getDatabase("wiped").listCollectionNames().into(new ArrayList<>())).isEmpty();
            assertThat(target.getDatabase("ipfs_backup").getCollection("backups").countDocuments()).isEqualTo(1);
            assertThat(target.getDatabase("operator").getCollection("keep").countDocuments()).isEqualTo(1);
            written.requireEmpty(target); // nothing left to refuse
        }
    }

    @Test
    void theDatabasePrefixAppliesOnTheTargetAndAnInvalidTargetNameIsRefusedBeforeAnyDrop() throws IOException {
        try (MongoTestServer server = new MongoTestServer()) {
            MongoClient target = server.client();
            target.getDatabase("copy_late").getCollection("items").insertOne(new Document("_id", 1));
            target.getDatabase("late").getCollection("items").insertOne(new Document("_id", 1));
            RestoreNamespaces written = RestoreNamespaces.of(new RestoreOptions(true, List.of("late.items"), "copy_", MANIFEST_DB),
                    null, oplogs());
            // the server's temporary $out collections are replayed whatever nsInclude says (OplogApplier), so they count
            assertThat(written.targetCollections(target)).containsExactly("copy_late.items", "copy_late.tmp.agg_out.1");
            assertThat(written.drop(target)).containsExactly("copy_late.items");
            assertThat(target.getDatabase("late").getCollection("items").countDocuments()).isEqualTo(1);

            Path bad = oplog("bad.bson", crud("i", "late.items"), crud("i", "x".repeat(70) + ".c"));
            RestoreNamespaces invalid = RestoreNamespaces.of(new RestoreOptions(true, List.of(), "", MANIFEST_DB), null, List.of(bad));
            assertThatThrownBy(() -> invalid.drop(target)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid target database name");
            assertThat(target.getDatabase("late").getCollection("items").countDocuments()).isEqualTo(1);
        }
    }

    @Test
    void anUnreadableOplogFailsTheComputation() throws IOException {
        Path truncated = tmp.resolve("truncated.bson");
        Files.write(truncated, new byte[] {42, 0, 0, 0, 3});
        assertThatThrownBy(() -> RestoreNamespaces.of(RestoreOptions.defaults(), null, List.of(truncated)))
                .isInstanceOf(IOException.class);
    }
}
