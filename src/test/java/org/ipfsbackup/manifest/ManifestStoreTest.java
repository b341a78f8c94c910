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
                if (Set.of("insert", "update", "delete", "findAndModify").contains(e.getCommandName())) {
                    BsonDocument wc = e.getCommand().getDocument("writeConcern", new BsonDocument()).clone();
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
        assertThat(WRITES.keySet()).contains("insert backups", "update backups", "findAndModify backups", "update manifest_state",
                "update manifest_history", "delete manifest_history");
        assertThat(WRITES.values()).allSatisfy(wc -> assertThat(wc.getString("w").getValue()).isEqualTo("majority"));
    }

    // ---- publishing: deltas and checkpoints (ManifestFile format 2)

    /** What was "uploaded": each version's JSON read back, by the CID the test gives it. */
    final Map<String, ManifestFile> uploaded = new java.util.HashMap<>();

    ManifestStore.NextVersion publishAs(String cid, Instant at) throws Exception {
        ManifestStore.NextVersion next = store.nextVersion(at);
        uploaded.put(cid, ManifestFile.read(new java.io.ByteArrayInputStream(next.file().toJson())));
        store.published(cid, next, at, "k1");
        return next;
    }

    ManifestChain.State read(String cid) throws Exception {
        return ManifestChain.read(cid, c -> {
            ManifestFile f = uploaded.get(c);
            if (f == null) {
                throw new java.io.IOException("no such CID");
            }
            return f;
        });
    }

    @Test
    void theFirstVersionIsACheckpointThenEachCarriesOnlyWhatChangedAndReadsBackAsTheWholeState() throws Exception {
        for (int i = 0; i < 20; i++) { // older backups: enough state that the deltas below weigh less than a checkpoint
            store.insert(full("F" + i, T0.minusSeconds(100 - i)));
        }
        store.insert(full("A", T0));
        store.insert(full("B", T0.plusSeconds(1)));
        ManifestStore.NextVersion v1 = publishAs("M1", T0.plusSeconds(2));
        assertThat(v1.file().isCheckpoint()).isTrue();
        assertThat(v1.checkpointReason()).isEqualTo("there is no previous version");
        assertThat(v1.file().backups()).hasSize(22).extracting(ManifestEntry::cid).endsWith("A", "B");
        assertThat(store.head().orElseThrow().chain()).isEqualTo(v1.chain());
        assertThat(store.versions().get(0).checkpoint()).isTrue();

        // a new backup: the next version holds it alone, links M1, and its statistics count the whole state
        store.insert(full("C", T0.plusSeconds(60)));
        ManifestStore.NextVersion v2 = publishAs("M2", T0.plusSeconds(61));
        assertThat(v2.file().isCheckpoint()).isFalse();
        assertThat(v2.file().backups()).extracting(ManifestEntry::cid).containsExactly("C");
        assertThat(v2.file().previousManifest()).isEqualTo("M1");
        assertThat(v2.file().depth()).isEqualTo(1);
        assertThat(v2.file().statistics().totalBackups()).isEqualTo(23);
        assertThat(store.versions().get(0)).isEqualTo(new ManifestVersions.Version("M2", "M1", T0.plusSeconds(61), null, false));

        // a deletion, a verification and a withdrawn entry: the changed entries and the removed CID
        store.markDeleted(List.of("A"), T0.plusSeconds(100));
        store.recordVerification("B", T0.plusSeconds(100), "ok");
        store.insert(full("D", T0.plusSeconds(90)));
        publishAs("M3", T0.plusSeconds(101));
        assertThat(store.withdraw("D")).isTrue();
        store.insert(full("E", T0.plusSeconds(120)));
        ManifestStore.NextVersion v4 = publishAs("M4", T0.plusSeconds(121));
        assertThat(uploaded.get("M3").backups()).extracting(ManifestEntry::cid).containsExactly("A", "B", "D");
        assertThat(v4.file().backups()).extracting(ManifestEntry::cid).containsExactly("E");
        assertThat(v4.file().removed()).containsExactly("D");
        assertThat(v4.file().depth()).isEqualTo(3);

        // nothing changed: an empty delta
        ManifestStore.NextVersion v5 = publishAs("M5", T0.plusSeconds(130));
        assertThat(v5.file().isCheckpoint()).isFalse();
        assertThat(v5.file().backups()).isEmpty();

        // every version reads back, from its CID alone, as the state it was published for
        ManifestChain.State s = read("M5");
        assertThat(s.entries()).isEqualTo(store.all());
        assertThat(s.versionsRead()).isEqualTo(5);
        assertThat(s.checkpointCid()).isEqualTo("M1");
        assertThat(read("M2").entries()).hasSize(23).extracting(ManifestEntry::cid).endsWith("A", "B", "C");
        assertThat(read("M3").entries()).filteredOn(e -> e.status().equals(ManifestEntry.DELETED)).extracting(ManifestEntry::cid).containsExactly("A");
        assertThat(read("M3").liveBackups()).hasSize(23).doesNotContain("A").contains("B", "C", "D");
    }

    @Test
    void aPublishThatStoppedBeforeItsFingerprintsWereRecordedMakesTheNextVersionACheckpoint() throws Exception {
        store.insert(full("A", T0));
        publishAs("M1", T0.plusSeconds(1));
        store.insert(full("B", T0.plusSeconds(60)));
        ManifestStore.NextVersion cut = store.nextVersion(T0.plusSeconds(61));
        store.publish(new ManifestStore.Head("M2", "M1", T0.plusSeconds(61), "k1", cut.chain())); // then the process died
        uploaded.put("M2", cut.file());
        ManifestStore.NextVersion next = publishAs("M3", T0.plusSeconds(120));
        assertThat(next.file().isCheckpoint()).isTrue();
        assertThat(next.checkpointReason()).contains("do not describe the previous version M2");
        assertThat(next.file().previousManifest()).isEqualTo("M2");
        assertThat(read("M3").entries()).isEqualTo(store.all());
        // and after it, deltas again
        store.insert(full("C", T0.plusSeconds(180)));
        assertThat(publishAs("M4", T0.plusSeconds(181)).file().isCheckpoint()).isFalse();
    }

    @Test
    void aHeadPublishedByAVersionOneWriterIsFollowedByACheckpoint() throws Exception {
        store.insert(full("A", T0));
        store.publish(new ManifestStore.Head("OLD", null, T0, "k1"));
        ManifestStore.NextVersion next = publishAs("M1", T0.plusSeconds(1));
        assertThat(next.file().isCheckpoint()).isTrue();
        assertThat(next.checkpointReason()).contains("OLD").contains("without a chain record");
        assertThat(next.file().previousManifest()).isEqualTo("OLD");
    }

    @Test
    void aCheckpointComesAfterMaxDeltasOrWhenTheDeltasWouldOutweighIt() throws Exception {
        for (int i = 0; i < 400; i++) {
            store.insert(full("X" + i, T0.plusSeconds(i)));
        }
        publishAs("C0", T0.plusSeconds(1000));
        int checkpoints = 0;
        int longest = 0;
        for (int i = 1; i <= ManifestStore.MAX_DELTAS + 2; i++) {
            store.insert(full("N" + i, T0.plusSeconds(1000 + i)));
            ManifestStore.NextVersion v = publishAs("V" + i, T0.plusSeconds(1000 + i));
            if (v.file().isCheckpoint()) {
                checkpoints++;
                assertThat(i).isEqualTo(ManifestStore.MAX_DELTAS + 1);
                assertThat(v.checkpointReason()).isEqualTo(ManifestStore.MAX_DELTAS + " deltas since the last checkpoint");
            }
            longest = Math.max(longest, read("V" + i).versionsRead());
        }
        assertThat(checkpoints).isEqualTo(1);
        assertThat(longest).isEqualTo(ManifestStore.MAX_DELTAS + 1);
        assertThat(read("V" + (ManifestStore.MAX_DELTAS + 2)).entries()).isEqualTo(store.all());

        // a small state: a few deltas outweigh a checkpoint (here a rewrap of every entry)
        client.getDatabase("ipfs_backup").drop();
        store.insert(full("A", T0));
        publishAs("S0", T0);
        store.rewrap("A", "w1", "w2".repeat(200), "k2", T0.plusSeconds(1));
        ManifestStore.NextVersion big = publishAs("S1", T0.plusSeconds(2));
        assertThat(big.file().isCheckpoint()).isTrue();
        assertThat(big.checkpointReason()).startsWith("the deltas since the last checkpoint would weigh more than a checkpoint");
    }
}
