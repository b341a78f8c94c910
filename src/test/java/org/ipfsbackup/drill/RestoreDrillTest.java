package org.ipfsbackup.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.ipfsbackup.manifest.BackupChains;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.testing.InJvmMongo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The drill's rule, against an in-JVM MongoDB as the scratch target and a restorer that writes known documents. */
class RestoreDrillTest {
    static final Instant T0 = Instant.parse("2026-12-01T05:00:00Z");
    static InJvmMongo mongo;
    static MongoClient target;

    @BeforeAll
    static void start() {
        mongo = InJvmMongo.start(false);
        target = MongoClients.create(mongo.uri());
    }

    @AfterAll
    static void stop() {
        target.close();
        mongo.close();
    }

    static List<Document> orders() {
        return List.of(new Document("_id", 1).append("v", "a"), new Document("_id", 2).append("v", "b"));
    }

    static CollectionDigest digest(String ns, List<Document> docs) {
        ContentDigest d = new ContentDigest();
        docs.forEach(x -> d.add(new RawBsonDocument(x, new DocumentCodec())));
        return d.of(ns);
    }

    static ManifestEntry full(List<CollectionDigest> digests) {
        return ManifestEntry.full("F", T0).file("full.tar.gz.enc", 1, "00").databases(List.of("shop", "ipfs_backup"))
                .oplog("1:1", "1:1", 1L).contentDigests(digests).build();
    }

    static ManifestEntry inc() {
        return ManifestEntry.incremental("I", T0.plusSeconds(60), "F", "F").file("inc.tar.gz.enc", 1, "00").oplog("1:1", "2:1", 1L).build();
    }

    /** Restores the given documents into shop.orders, records which plans it was asked for. */
    static RestoreDrill.Restorer restorer(List<Document> docs, List<String> plans) {
        return plan -> {
            plans.add(plan.full().cid() + "+" + plan.incrementals().size());
            target.getDatabase("shop").getCollection("orders").drop();
            target.getDatabase("shop").getCollection("orders").insertMany(new ArrayList<>(docs));
            if (!plan.incrementals().isEmpty()) {
                target.getDatabase("later").getCollection("made").insertOne(new Document("_id", 1));
                target.getDatabase("unlisted").getCollection("x").insertOne(new Document("_id", 1)); // not in the namespaces
                return List.of("shop.orders", "later.made");
            }
            return List.of("shop.orders");
        };
    }

    RestoreDrill drill() {
        return new RestoreDrill(Clock.systemUTC(), s -> { });
    }

    @Test
    void aFullAloneIsComparedAndItsDatabasesDroppedTheManifestDatabaseIsNotCompared() {
        List<String> plans = new ArrayList<>();
        ManifestEntry f = full(List.of(digest("shop.orders", orders()), new CollectionDigest("ipfs_backup.backups", 5, "ff".repeat(32))));
        RestoreDrill.Outcome o = drill().run(List.of(f), target, Set.of("ipfs_backup"), restorer(orders(), plans));
        assertThat(o.passed()).as(o.text()).isTrue();
        assertThat(o.text()).isEqualTo("pass");
        assertThat(o.compared()).isEqualTo(1);
        assertThat(o.documents()).isEqualTo(2);
        assertThat(plans).containsExactly("F+0");
        assertThat(target.listDatabaseNames().into(new ArrayList<>())).doesNotContain("shop");
    }

    @Test
    void withIncrementalsTheFullIsComparedAtItsOwnPointThenTheChainRestoredToItsEnd() {
        List<String> plans = new ArrayList<>();
        RestoreDrill.Outcome o = drill().run(List.of(full(List.of(digest("shop.orders", orders()))), inc()), target, Set.of(),
                restorer(orders(), plans));
        assertThat(o.passed()).isTrue();
        assertThat(o.incrementals()).isEqualTo(1);
        assertThat(plans).containsExactly("F+0", "F+1");
        assertThat(target.listDatabaseNames().into(new ArrayList<>())).as("a database only the incremental created is dropped too")
                .doesNotContain("shop", "later", "unlisted");
    }

    @Test
    void aChangedDocumentOrAFailedRestoreFailsNamingWhat() {
        List<Document> changed = List.of(new Document("_id", 1).append("v", "a"), new Document("_id", 2).append("v", "B"));
        ManifestEntry f = full(List.of(digest("shop.orders", orders())));
        RestoreDrill.Outcome o = drill().run(List.of(f), target, Set.of(), restorer(changed, new ArrayList<>()));
        assertThat(o.passed()).isFalse();
        assertThat(o.text()).isEqualTo("fail: shop.orders: same 2 documents counted but their digest differs (content changed)");
        assertThat(target.listDatabaseNames().into(new ArrayList<>())).doesNotContain("shop");

        RestoreDrill.Outcome broken = drill().run(List.of(f), target, Set.of(), plan -> {
            target.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 9));
            throw new IllegalStateException("sha256 mismatch");
        });
        assertThat(broken.text()).contains("restore failed: sha256 mismatch");
        assertThat(target.listDatabaseNames().into(new ArrayList<>())).as("dropped after a failed restore too").doesNotContain("shop");
    }

    @Test
    void aFullWithoutDigestsIsRefusedAndTheSourceIsNeverATarget() {
        assertThatThrownBy(() -> drill().run(List.of(full(List.of())), target, Set.of(), plan -> List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no content digests");
        assertThat(RestoreDrill.sameServer("mongodb://a:27017,b:27018/?replicaSet=rs0", "mongodb://b:27018/")).isTrue();
        assertThat(RestoreDrill.sameServer("mongodb://localhost/", "mongodb://127.0.0.1:27017/")).isTrue();
        assertThat(RestoreDrill.sameServer("mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27018/")).isFalse();
    }
}
