package org.ipfsbackup.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.BsonDocument;
import org.ipfsbackup.testing.InJvmMongo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The manifest store against an in-JVM MongoDB, without Camel. */
class ManifestStoreTest {
    static final Instant T0 = Instant.parse("2026-11-27T02:00:00Z");
    static InJvmMongo mongo;
    static MongoClient client;
    /** Every write command sent, with the write concern it carried. */
    static final Map<String, BsonDocument> WRITES = new ConcurrentHashMap<>();

    ManifestStore store;

    @BeforeAll
    static void start() {
        mongo = InJvmMongo.start(false);
        CommandListener listener = new CommandListener() {
            @Override
            public void commandStarted(CommandStartedEvent e) {
                if (Set.of("insert", "update", "delete").contains(e.getCommandName())) {
                    BsonDocument wc = e.getCommand().getDocument("writeConcern", new BsonDocument());
                    WRITES.merge(e.getCommandName() + " " + e.getCommand().getString(e.getCommandName()).getValue(), wc, (a, b) -> b);
                }
            }
        };
        client = MongoClients.create(MongoClientSettings.builder().applyConnectionString(new ConnectionString(mongo.uri()))
                .addCommandListener(listener).build());
    }

    @AfterAll
    static void stop() {
        client.close();
        mongo.close();
    }

    @BeforeEach
    void fresh() {
        client.getDatabase("ipfs_backup").drop();
        WRITES.clear();
        store = new ManifestStore(client, "ipfs_backup", "backups", "manifest_state", "manifest_history");
    }

    static ManifestEntry full(String cid, Instant at) {
        return ManifestEntry.full(cid, at).file("full_" + cid + ".tar.gz.enc", 100, "ab".repeat(32)).databases(List.of("shop"))
                .source("7.0", "rs0").durationMs(5).peers(List.of("p1", "p2")).engine("driver").compression("gzip")
                .key("k1", "w1").content(3, 10L, 1000L).oplog("1:1", "2:2", 4L).build();
    }

    @Test
    void entriesReadBackEqualOldestFirstAndADuplicateIsRefused() {
        ManifestEntry second = full("B", T0.plusSeconds(60));
        ManifestEntry first = full("A", T0);
        ManifestEntry inc = ManifestEntry.incremental("C", T0.plusSeconds(120), "A", "A").file("c", 1, "00").oplog("2:2", "3:3", 1L).build();
        store.insert(second);
        store.insert(first);
        store.insert(inc);
        assertThat(store.all()).containsExactly(first, second, inc);
        assertThat(store.find("C")).contains(inc);
        assertThat(store.find("C").orElseThrow().baseBackup()).isEqualTo("A");
        assertThat(store.find("nope")).isEmpty();
        assertThatThrownBy(() -> store.insert(first)).isInstanceOf(MongoWriteException.class);
        assertThat(store.all()).hasSize(3);
    }

    @Test
    void contentDigestsReadBackAndADrillOutcomeIsRecordedOnTheNamedEntryOnly() {
        var digests = List.of(new org.ipfsbackup.drill.CollectionDigest("shop.orders", 2, "0f".repeat(32)),
                new org.ipfsbackup.drill.CollectionDigest("shop.users", 0, "0".repeat(64)));
        ManifestEntry a = full("A", T0).toBuilder().contentDigests(digests).build();
        store.insert(a);
        store.insert(full("B", T0.plusSeconds(1)));
        assertThat(store.find("A").orElseThrow()).isEqualTo(a);
        assertThat(store.find("A").orElseThrow().contentDigests()).isEqualTo(digests);

        assertThat(store.recordDrill("A", T0.plusSeconds(5), "fail: shop.orders: 1 documents restored, 2 backed up", 1234)).isTrue();
        assertThat(store.recordDrill("missing", T0, "pass", 1)).isFalse();
        ManifestEntry drilled = store.find("A").orElseThrow();
        assertThat(drilled.lastDrillAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(drilled.drill()).startsWith("fail: shop.orders");
        assertThat(drilled.drillMs()).isEqualTo(1234L);
        assertThat(drilled.contentDigests()).isEqualTo(digests);
        assertThat(drilled.toBuilder().build()).isEqualTo(drilled);
        assertThat(store.find("B").orElseThrow().drill()).isNull();
    }

    @Test
    void withdrawRemovesOnlyThatEntryAndSaysWhetherOneWasThere() {
        store.insert(full("A", T0));
        store.insert(full("B", T0.plusSeconds(1)));
        assertThat(store.withdraw("A")).isTrue();
        assertThat(store.withdraw("A")).isFalse();
        assertThat(store.all()).extracting(ManifestEntry::cid).containsExactly("B");
    }

    @Test
    void markDeletedAndVerificationChangeOnlyTheNamedEntries() {
        store.insert(full("A", T0));
        store.insert(full("B", T0.plusSeconds(1)));
        Instant at = T0.plusSeconds(3600);
        assertThat(store.markDeleted(List.of("A"), at)).isEqualTo(1);
        assertThat(store.markDeleted(List.of(), at)).isZero();
        store.recordVerification("B", at, "ok: sha256, cid, decrypted, 3 files");
        ManifestEntry a = store.find("A").orElseThrow();
        ManifestEntry b = store.find("B").orElseThrow();
        assertThat(a.status()).isEqualTo(ManifestEntry.DELETED);
        assertThat(a.deletedAt()).isEqualTo(at);
        assertThat(b.status()).isEqualTo(ManifestEntry.COMPLETE);
        assertThat(b.lastVerifiedAt()).isEqualTo(at);
        assertThat(b.verification()).startsWith("ok");
        assertThat(a.verification()).isNull();
    }

    @Test
    void rewrapIsConditionalOnTheKeyItReplaces() {
        store.insert(full("A", T0));
        assertThat(store.rewrappedSince(null)).isFalse();
        assertThat(store.rewrap("A", "not-w1", "w2", "k2", T0.plusSeconds(10))).isFalse();
        assertThat(store.find("A").orElseThrow().wrappedKey()).isEqualTo("w1");
        assertThat(store.rewrap("A", "w1", "w2", "k2", T0.plusSeconds(10))).isTrue();
        ManifestEntry a = store.find("A").orElseThrow();
        assertThat(a.wrappedKey()).isEqualTo("w2");
        assertThat(a.keyId()).isEqualTo("k2");
        assertThat(store.rewrappedSince(null)).isTrue();
        assertThat(store.rewrappedSince(T0)).isTrue();
        assertThat(store.rewrappedSince(T0.plusSeconds(10))).isFalse();
    }

    @Test
    void publishMovesTheHeadAndListsEveryVersionNewestFirst() {
        assertThat(store.head()).isEmpty();
        assertThat(store.headManifestCid()).isEmpty();
        store.publish(new ManifestStore.Head("M1", null, T0, "k1"));
        store.publish(new ManifestStore.Head("M2", "M1", T0.plusSeconds(60), "k2"));
        assertThat(store.head()).contains(new ManifestStore.Head("M2", "M1", T0.plusSeconds(60), "k2"));
        assertThat(store.headManifestCid()).contains("M2");
        assertThat(store.versions()).containsExactly(new ManifestVersions.Version("M2", "M1", T0.plusSeconds(60), null),
                new ManifestVersions.Version("M1", null, T0, null));
    }

    @Test
    void relistKeepsAKnownTimeAndRemoveVersionsDropsOnlyThose() {
        store.publish(new ManifestStore.Head("M1", null, T0, "k1"));
        Instant now = T0.plusSeconds(7200);
        store.relist(new ManifestVersions.Version("M0", null, null, Set.of("A")), now);
        store.relist(new ManifestVersions.Version("Mx", "M0", T0.minusSeconds(60), null), now);
        assertThat(store.versions()).extracting(ManifestVersions.Version::cid).containsExactly("M0", "M1", "Mx");
        assertThat(store.versions().get(0).createdAt()).isEqualTo(now);
        assertThat(store.removeVersions(List.of("M0", "Mx", "unknown"))).isEqualTo(2);
        assertThat(store.removeVersions(List.of())).isZero();
        assertThat(store.versions()).extracting(ManifestVersions.Version::cid).containsExactly("M1");
        assertThat(store.head()).isPresent();
    }

    @Test
    void everyWriteAsksForMajorityWriteConcern() {
        store.insert(full("A", T0));
        store.markDeleted(List.of("A"), T0);
        store.recordVerification("A", T0, "ok");
        store.rewrap("A", "w1", "w2", "k2", T0);
        store.withdraw("A");
        store.publish(new ManifestStore.Head("M1", null, T0, "k1"));
        store.relist(new ManifestVersions.Version("M0", null, T0, null), T0);
        store.removeVersions(List.of("M0"));
        assertThat(WRITES.keySet()).contains("insert backups", "update backups", "delete backups", "update manifest_state",
                "update manifest_history", "delete manifest_history");
        assertThat(WRITES.values()).allSatisfy(wc -> assertThat(wc.getString("w").getValue()).isEqualTo("majority"));
    }
}
