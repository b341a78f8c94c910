package org.ipfsbackup.restore;

import org.ipfsbackup.mongo.DumpLayout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonInt32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restore side of a scanned dump directory (the format itself is tested in mongo.DumpLayoutTest). */
class RestoreLayoutTest {

    @TempDir
    Path tmp;

    @Test
    void listsCollectionsViewsAndOplog() throws IOException {
        Path dump = new DumpFixture().writeDump(tmp.resolve("dump"));
        DumpLayout layout = DumpLayout.scan(dump);
        assertThat(layout.oplogPresent()).isTrue();
        assertThat(layout.entries()).extracting(DumpLayout.Entry::namespace).containsExactly(
                "admin.system.users", "crm.activeCustomers", "crm.customers",
                "shop.big", "shop.blobs", "shop.empty", "shop.mixed", "shop.orders");
        DumpLayout.Entry view = layout.entries().get(1);
        assertThat(view.type()).isEqualTo("view");
        assertThat(view.bsonFile()).isNull();
        assertThat(view.options().getString("viewOn").getValue()).isEqualTo("customers");
    }

    @Test
    void restoreSkipsWhatItCannotRestoreAndSaysWhy() throws IOException {
        Path db = Files.createDirectories(tmp.resolve("dump/db"));
        DumpFixture.writeJson(db.resolve("ghost.metadata.json"), new BsonDocument("options", new BsonDocument())
                .append("indexes", new BsonArray()).append("type", new BsonString("collection")));
        Files.write(db.resolve("weather.bson"), new byte[0]);
        DumpFixture.writeJson(db.resolve("weather.metadata.json"), new BsonDocument("options",
                new BsonDocument("timeseries", new BsonDocument("timeField", new BsonString("t")))).append("type", new BsonString("timeseries")));
        Files.write(db.resolve("system.profile.bson"), new byte[0]);
        Files.write(db.resolve("kept.bson"), DumpFixture.bytes(DumpFixture.raw(new BsonDocument("_id", new BsonInt32(1)))));

        try (MongoTestServer server = new MongoTestServer()) {
            RestoreResult result = new DriverRestore(server.client()).restoreDump(tmp.resolve("dump"), RestoreOptions.defaults());
            assertThat(result.namespaces()).containsExactly("db.kept");
            assertThat(result.documents()).isEqualTo(1);
            assertThat(result.oplogPresent()).isFalse();
            assertThat(result.skipped()).containsExactly(
                    "db.ghost (metadata without a .bson file)",
                    "db.system.profile (system collection)",
                    "db.weather (time-series collection not supported)");
            assertThat(server.client().getDatabase("db").listCollectionNames().into(new java.util.ArrayList<>()))
                    .containsExactly("kept");
        }
    }

    @Test
    void systemCollectionsExceptSystemJsAreServerManaged() {
        // (mongo-java-server hides system.* from listCollections, so the comparator side is only checked here)
        assertThat(Namespaces.isSystemCollection("system.users")).isTrue();
        assertThat(Namespaces.isSystemCollection("system.profile")).isTrue();
        assertThat(Namespaces.isSystemCollection("system.buckets.weather")).isTrue();
        assertThat(Namespaces.isSystemCollection("system.js")).isFalse();
        assertThat(Namespaces.isSystemCollection("systemic")).isFalse();
        assertThat(Namespaces.isSystemCollection("orders")).isFalse();
    }

    @Test
    void namespaceFilterGlobs() {
        Namespaces.Filter filter = new Namespaces.Filter(List.of("shop.*", "crm.cust*s"));
        assertThat(filter.includes("shop.orders")).isTrue();
        assertThat(filter.includes("shop.a.b")).isTrue();
        assertThat(filter.includes("shopx.orders")).isFalse();
        assertThat(filter.includes("crm.customers")).isTrue();
        assertThat(filter.includes("crm.customer")).isFalse();
        assertThat(new Namespaces.Filter(List.of("a.b+c")).includes("a.bbc")).isFalse(); // no regex leaks
        assertThat(new Namespaces.Filter(List.of()).includes("anything.at.all")).isTrue();
    }
}
