package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.bson.Document;
import org.ipfsbackup.archive.ArchiveResult;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.dump.DumpResult;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One step route at a time, from the real routes/ directory: the step is fed the headers the previous step would set
 * and its output checked (steps return to the pipeline, they do not call their successor). The pipeline's hand-off
 * after the start is replaced by a mock endpoint (AdviceWith).
 */
class StepRoutesTest {
    InJvmMongo mongo;
    String mongoUri;
    FakeCluster cluster;
    BackupApplication app;
    @TempDir
    Path work;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        mongoUri = mongo.uri();
        try (MongoClient c = MongoClients.create(mongoUri)) {
            c.getDatabase("shop").getCollection("customers").insertOne(new Document("_id", 1).append("name", "Ada"));
        }
        cluster = new FakeCluster();
        Map<String, String> o = TestSettings.routeTest(mongoUri, cluster.url(), work);
        o.put("dump.oplog", "false");
        app = TestSettings.start(Project.routes(), o);
    }

    @AfterEach
    void tearDown() {
        app.close();
        cluster.close();
        mongo.close();
    }

    /** Replaces the route's call of {@code next} by mock:next, after which the route stops, and returns the mock. */
    MockEndpoint isolate(String routeId, String next) throws Exception {
        CamelContext ctx = app.context();
        AdviceWith.adviceWith(ctx, routeId, a -> a.weaveByToUri(next).replace().to("mock:next").stop());
        MockEndpoint mock = ctx.getEndpoint("mock:next", MockEndpoint.class);
        mock.reset();
        mock.expectedMessageCount(1);
        return mock;
    }

    Exchange send(String uri, Map<String, Object> headers) {
        Exchange ex = app.context().createProducerTemplate().request(uri, e -> e.getMessage().setHeaders(new HashMap<>(headers)));
        assertThat(ex.getMessage().getHeader(BackupHeaders.FAILURE)).as("step failed").isNull();
        return ex;
    }

    Path jobDir() throws Exception {
        return Files.createDirectories(work.resolve("job-test"));
    }

    @Test
    void fullTriggerStartsAJobAndHandsItToTheDump() throws Exception {
        MockEndpoint next = isolate("backup-pipeline", "direct:backup-dump");
        send("direct:backup-full", Map.of());
        next.assertIsSatisfied();
        var m = next.getExchanges().get(0).getMessage();
        assertThat(m.getHeader(BackupHeaders.TYPE)).isEqualTo("full");
        assertThat(m.getHeader(BackupHeaders.NAME, String.class)).startsWith("full_backup_").endsWith(".tar.gz.enc");
        assertThat(Path.of(m.getHeader(BackupHeaders.WORK_DIR, String.class))).isDirectory().startsWith(work);
    }

    @Test
    void dumpStepWritesMongodumpLayout() throws Exception {
        Path job = jobDir();
        var m = send("direct:backup-dump", Map.of(BackupHeaders.TYPE, "full", BackupHeaders.WORK_DIR, job.toString(), BackupHeaders.NAME, "n"))
                .getMessage();
        Path dump = Path.of(m.getHeader(BackupHeaders.DUMP_DIR, String.class));
        assertThat(dump.resolve("shop/customers.bson")).isRegularFile();
        assertThat(dump.resolve("shop/customers.metadata.json")).isRegularFile();
        assertThat(m.getHeader(BackupHeaders.DUMP_RESULT, DumpResult.class).documents()).isEqualTo(1);
    }

    @Test
    void archiveStepReplacesTheDumpByATarGz() throws Exception {
        Path job = jobDir();
        Path dump = Files.createDirectories(job.resolve("dump/shop"));
        Files.write(dump.resolve("c.bson"), new byte[] {5, 0, 0, 0, 0});
        var m = send("direct:backup-archive", Map.of(BackupHeaders.DUMP_DIR, job.resolve("dump").toString(),
                BackupHeaders.WORK_DIR, job.toString(), BackupHeaders.NAME, "full_backup_x.tar.gz.enc")).getMessage();
        Path tgz = Path.of(m.getHeader(BackupHeaders.ARCHIVE_FILE, String.class));
        assertThat(tgz.getFileName().toString()).isEqualTo("full_backup_x.tar.gz");
        byte[] head = Files.readAllBytes(tgz);
        assertThat(head[0] == (byte) 0x1f && head[1] == (byte) 0x8b).isTrue();
        assertThat(job.resolve("dump")).doesNotExist();
        assertThat(m.getHeader(BackupHeaders.ARCHIVE_RESULT, ArchiveResult.class).files()).isEqualTo(1);
    }

    @Test
    void encryptStepLeavesOnlyCiphertext() throws Exception {
        Path job = jobDir();
        Path plain = Files.writeString(job.resolve("full_backup_x.tar.gz"), "plain archive bytes");
        var m = send("direct:backup-encrypt", Map.of(BackupHeaders.ARCHIVE_FILE, plain.toString(), BackupHeaders.WORK_DIR, job.toString(),
                BackupHeaders.NAME, "full_backup_x.tar.gz.enc")).getMessage();
        Path enc = Path.of(m.getHeader(BackupHeaders.ENCRYPTED_FILE, String.class));
        assertThat(plain).doesNotExist();
        assertThat(Files.readString(enc, java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("IPFSBKP").doesNotContain("plain archive");
        assertThat(m.getHeader(BackupHeaders.SIZE, Long.class)).isEqualTo(Files.size(enc));
        Path back = job.resolve("back");
        new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000).decrypt(enc, back);
        assertThat(back).hasContent("plain archive bytes");
    }

    @Test
    void uploadStepAddsTheFileAndHandsTheCidToPinVerify() throws Exception {
        Path job = jobDir();
        Path enc = Files.writeString(job.resolve("full_backup_x.tar.gz.enc"), "IPFSBKP ciphertext");
        String cid = send("direct:backup-upload", Map.of(BackupHeaders.ENCRYPTED_FILE, enc.toString(), BackupHeaders.NAME, "full_backup_x.tar.gz.enc",
                BackupHeaders.TYPE, "full")).getMessage().getHeader(BackupHeaders.ADD_CID, String.class);
        assertThat(cluster.content.get(cid)).isEqualTo("IPFSBKP ciphertext".getBytes());
        assertThat(cluster.names.get(cid)).isEqualTo("full_backup_x.tar.gz.enc");
    }

    @Test
    void uploadRefusesAnythingThatIsNotAnEncryptedFile() throws Exception {
        Path job = jobDir();
        Path plain = Files.writeString(job.resolve("full_backup_x.tar.gz"), "plain");
        Exchange ex = app.context().createProducerTemplate().request("direct:backup-upload", e -> e.getMessage().setHeaders(new HashMap<>(Map.of(
                BackupHeaders.ENCRYPTED_FILE, plain.toString(), BackupHeaders.NAME, "full_backup_x.tar.gz", BackupHeaders.TYPE, "full"))));
        assertThat(ex.getMessage().getHeader(BackupHeaders.FAILURE, String.class)).contains("only encrypted files");
        assertThat(cluster.content).isEmpty();
    }

    @Test
    void pinVerifyStepWaitsForEveryAllocatedPeer() throws Exception {
        cluster.content.put("bafkreitest", new byte[] {1});
        assertThat(send("direct:backup-pin-verify", Map.of(BackupHeaders.ADD_CID, "bafkreitest", BackupHeaders.ADD_NAME, "x")).getMessage()
                .getHeader(BackupHeaders.ADD_PEERS, List.class))
                .containsExactly("12D3KooWA", "12D3KooWB");
    }

    @Test
    void recordStepWritesTheManifestDocument() throws Exception {
        Instant started = Instant.parse("2026-11-29T02:00:00Z");
        DumpResult dump = new DumpResult("driver", List.of("shop"), 1, 1, 5, null, null, 0, "5.0.0", null);
        send("direct:backup-record", Map.of(BackupHeaders.TYPE, "full", BackupHeaders.ADD_CID, "bafkreirecord", BackupHeaders.STARTED, started,
                BackupHeaders.SIZE, 42L, BackupHeaders.SHA256, "ab".repeat(32), BackupHeaders.NAME, "full_backup_2026-11-29_020000.tar.gz.enc",
                BackupHeaders.ADD_PEERS, List.of("A", "B"), BackupHeaders.DUMP_RESULT, dump));
        try (MongoClient c = MongoClients.create(mongoUri)) {
            ManifestEntry e = new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").find("bafkreirecord").orElseThrow();
            assertThat(e.timestamp()).isEqualTo(started);
            assertThat(e.size()).isEqualTo(42);
            assertThat(e.peers()).containsExactly("A", "B");
            assertThat(e.databases()).containsExactly("shop");
            assertThat(e.status()).isEqualTo(ManifestEntry.COMPLETE);
        }
    }
}
