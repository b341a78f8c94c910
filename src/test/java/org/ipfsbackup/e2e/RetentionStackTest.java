package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.retention.RetentionDecision;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Retention on the real stack: with the clock moved forward, exactly the old chain is unpinned, on both IPFS nodes. */
@Tag("stack")
@ExtendWith(StackExtension.class)
class RetentionStackTest {
    @TempDir
    Path tmp;

    @Test
    void oldChainIsUnpinnedFromBothNodesAndTheNewestChainStays(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        Map<String, String> o = TestSettings.stack(env, tmp.resolve("work"));
        o.put("retention.after-backup", "false");
        try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env);
             MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            var coll = source.getDatabase("retention").getCollection("items");
            coll.insertOne(new Document("n", 1));
            ManifestEntry oldFull = app.runBackup("full").entry();
            coll.insertOne(new Document("n", 2));
            ManifestEntry oldInc = app.runBackup("incremental").entry();
            ManifestEntry newFull = app.runBackup("full").entry();
            coll.insertOne(new Document("n", 3));
            ManifestEntry newInc = app.runBackup("incremental").entry();

            Instant later = Instant.now().plus(Duration.ofDays(91));
            BackupApplication.RetentionOutcome r = app.runRetention(later);
            assertThat(r.failure()).isNull();
            List<String> expired = r.decisions().stream().filter(RetentionDecision::expire).map(d -> d.entry().cid()).toList();
            // every older backup expires (other tests may have left chains before ours), never ours of the newest chain
            assertThat(expired).contains(oldFull.cid(), oldInc.cid()).doesNotContain(newFull.cid(), newInc.cid());
            assertThat(r.unpinned()).containsExactlyInAnyOrderElementsOf(expired);

            KuboClient kubo = new KuboClient(Duration.ofSeconds(30));
            List<URI> nodes = List.of(URI.create(env.get("IPFS_NODE_1")), URI.create(env.get("IPFS_NODE_2")));
            for (URI node : nodes) {
                // unpinning in IPFS is asynchronous: wait for each node to drop the expired pins
                Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(kubo.isPinned(node, oldFull.cid())).as(node + " " + oldFull.cid()).isFalse();
                    assertThat(kubo.isPinned(node, oldInc.cid())).as(node + " " + oldInc.cid()).isFalse();
                });
                assertThat(kubo.isPinned(node, newFull.cid())).isTrue();
                assertThat(kubo.isPinned(node, newInc.cid())).isTrue();
            }
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            assertThat(repo.find(oldFull.cid()).orElseThrow().status()).isEqualTo(ManifestEntry.DELETED);
            assertThat(repo.find(newInc.cid()).orElseThrow().status()).isEqualTo(ManifestEntry.COMPLETE);
            assertThat(repo.headManifestCid()).contains(r.manifestCid());
        }
    }
}
