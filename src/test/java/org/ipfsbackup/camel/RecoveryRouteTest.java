package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After a crash: pins of ours that the manifest does not know are unpinned at the next start; nothing else is touched. */
class RecoveryRouteTest {
    MongoServer mongo;
    FakeCluster cluster;
    BackupApplication app;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        mongo = new MongoServer(new MemoryBackend());
        mongo.bind("127.0.0.1", 0);
        cluster = new FakeCluster();
        Map<String, String> o = TestSettings.routeTest("mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort(), cluster.url(), dir.resolve("work"));
        o.put("dump.oplog", "false");
        app = TestSettings.start(Project.routes(), o);
    }

    @AfterEach
    void tearDown() {
        app.close();
        cluster.close();
        mongo.shutdownNow();
    }

    void pin(String cid, String name, Instant at) {
        cluster.content.put(cid, new byte[] {1});
        cluster.names.put(cid, name);
        cluster.pinnedAt.put(cid, at);
    }

    @Test
    void orphansOfACrashedBackupAreUnpinnedRecordedAndForeignPinsStay() throws Exception {
        var recorded = app.runBackup("full").entry(); // recorded backup and its manifest: known
        Instant old = Instant.now().minus(Duration.ofHours(3));
        pin("bafkreiorphanfull", "full_backup_2026-11-27_020000.tar.gz.enc", old);
        pin("bafkreiorphanmanifest", "manifest_2026-11-27_020001.json.enc", old);
        pin("bafkreiyoung", "incremental_backup_2026-11-27_030000.tar.gz.enc", Instant.now());
        pin("bafkreiforeign", "holiday.jpg", old);

        var actions = app.runRecovery();
        assertThat(actions).extracting(a -> a.pin().cid()).containsExactlyInAnyOrder("bafkreiorphanfull", "bafkreiorphanmanifest");
        assertThat(actions).allMatch(OrphanAction::unpinned);
        assertThat(cluster.content).doesNotContainKeys("bafkreiorphanfull", "bafkreiorphanmanifest")
                .containsKeys("bafkreiyoung", "bafkreiforeign", recorded.cid());
    }
}
