package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.archive.ArchiveEntryInfo;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * An operator edits a copy of routes/ as the README tells them to: renames a step route (backup-pin-verify becomes
 * backup-pinned), adds a step route of their own (a log: step between encrypt and upload) and removes an optional one
 * (alert-resolve). The application started on that copy still backs up, times and logs every step under the ids of
 * the copy (the new step included), and still classifies and sends its alerts: no Java code knew the old ids.
 */
class EditedRoutesTest {
    InJvmMongo mongo;
    FakeCluster cluster;
    GreenMail smtp;
    BackupApplication app;
    @TempDir
    Path dir;
    ListAppender<ILoggingEvent> stepLog;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        try (MongoClient c = MongoClients.create(mongo.uri())) {
            c.getDatabase("shop").getCollection("orders").insertMany(List.of(new Document("_id", 1).append("item", "tea"),
                    new Document("_id", 2).append("item", "cups")));
        }
        cluster = new FakeCluster();
        int smtpPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            smtpPort = s.getLocalPort();
        }
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        stepLog = new ListAppender<>();
        stepLog.start();
        ((Logger) LoggerFactory.getLogger("ipfs-backup.step")).addAppender(stepLog);

        Path routes = editedCopyOfTheRoutes();
        Map<String, String> o = TestSettings.routeTest(mongo.uri(), cluster.url(), dir.resolve("work"));
        o.put("dump.oplog", "false");
        o.put("alert.enabled", "true");
        o.put("alert.smtp.host", "127.0.0.1");
        o.put("alert.smtp.port", Integer.toString(smtpPort));
        o.put("alert.smtp.security", "none");
        o.put("alert.from", "ipfs-backup@example.test");
        o.put("alert.to", "ops@example.test");
        o.put("alert.spool-dir", dir.resolve("spool").toString());
        app = TestSettings.start(routes, o);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger("ipfs-backup.step")).detachAppender(stepLog);
        if (app != null) {
            app.close();
        }
        smtp.stop();
        cluster.close();
        mongo.close();
    }

    static String replace(String text, String from, String to) {
        assertThat(text).as("the routes contain " + from).contains(from);
        return text.replace(from, to);
    }

    Path editedCopyOfTheRoutes() throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (var s = Files.list(Project.routes())) {
            for (Path p : s.toList()) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        // rename: backup-pin-verify becomes backup-pinned (its file, its id, its direct: name, the pipeline's call)
        String pinned = replace(Files.readString(routes.resolve("backup-pin-verify.camel.yaml")), "backup-pin-verify", "backup-pinned");
        Files.delete(routes.resolve("backup-pin-verify.camel.yaml"));
        Files.writeString(routes.resolve("backup-pinned.camel.yaml"), pinned);
        Path pipeline = routes.resolve("backup-pipeline.camel.yaml");
        String p = replace(Files.readString(pipeline), "uri: direct:backup-pin-verify", "uri: direct:backup-pinned");
        // add: a step of the operator's own between encrypt and upload
        p = replace(p, "        - to:\n            uri: direct:backup-encrypt\n",
                "        - to:\n            uri: direct:backup-encrypt\n        - to:\n            uri: direct:backup-inspect\n");
        Files.writeString(routes.resolve("backup-inspect.camel.yaml"), """
                - route:
                    id: backup-inspect
                    routeConfigurationId: backup-step
                    from:
                      uri: direct:backup-inspect
                      steps:
                        - log:
                            message: "inspected ${header.IpfsBackupEncryptedFile}"
                            logName: operator.inspect
                """);
        // remove: the optional resolution of open alerts after a success (its call and its route)
        p = replace(p, "        - to:\n            uri: direct:alert-resolve\n", "");
        Files.writeString(pipeline, p);
        Path alerts = routes.resolve("alert.camel.yaml");
        String a = Files.readString(alerts);
        int start = a.indexOf("- route:\n    id: alert-resolve");
        int end = a.indexOf("- route:", start + 1);
        assertThat(start).isNotNegative();
        Files.writeString(alerts, a.substring(0, start) + a.substring(end));
        return routes;
    }

    MeterRegistry meters() {
        return app.context().getRegistry().findSingleByType(MeterRegistry.class);
    }

    long routeRuns(String routeId) {
        var t = meters().find("camel.route.policy").tag("routeId", routeId).timer();
        return t == null ? 0 : t.count();
    }

    @Test
    void backupsMetricsAndAlertsFollowTheEditedRoutes() throws Exception {
        assertThat(app.context().getRoute("backup-pin-verify")).isNull();
        assertThat(app.context().getRoute("alert-resolve")).isNull();

        // a backup: uploaded, recorded, and it decrypts to the dump
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.failure()).isNull();
        ManifestEntry e = o.entry();
        try (MongoClient c = MongoClients.create(mongo.uri())) {
            assertThat(new ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").find(e.cid())).contains(e);
        }
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Project.TEST_KEY, "k1"), 10_000);
        try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(cluster.content.get(e.cid())))) {
            assertThat(new TarGzExtractor(ExtractLimits.defaults()).list(in)).extracting(ArchiveEntryInfo::name).contains("shop/orders.bson");
        }
        assertThat(e.peers()).containsExactly("12D3KooWA", "12D3KooWB");

        // metrics: each step timed under the id the copy gives it, the new step included; the backup counted
        assertThat(routeRuns("backup-inspect")).isEqualTo(1);
        assertThat(routeRuns("backup-pinned")).isEqualTo(1);
        assertThat(routeRuns("backup-pin-verify")).isZero();
        assertThat(meters().find("ipfs.backup.backups").tag("type", "full").tag("outcome", "success").counter().count()).isEqualTo(1.0);
        // and one step log line each, under the same ids, with the backup's name
        List<String> lines = stepLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("backup=" + e.fileName() + " step=backup-inspect outcome=ok"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("backup=" + e.fileName() + " step=backup-pinned outcome=ok")
                .endsWith("bytes=" + e.size()));

        // a pin that never completes: the renamed step fails, the alert is still a pin failure and names that step
        cluster.mode.set(FakeCluster.Mode.NEVER_PINNED);
        BackupApplication.Outcome failed = app.runBackup("full");
        assertThat(failed.succeeded()).isFalse();
        assertThat(failed.failedStep()).isEqualTo("backup-pinned");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 1);
        assertThat(smtp.getReceivedMessages()[0].getSubject()).isEqualTo("[ipfs-backup][CRITICAL] IPFS pin failure (full)");
        assertThat(GreenMailUtil.getBody(smtp.getReceivedMessages()[0])).contains("backup-pinned").contains("was not pinned");
        assertThat(meters().find("ipfs.backup.backups").tag("type", "full").tag("outcome", "failure").counter().count()).isEqualTo(1.0);
        assertThat(stepLog.list.stream().map(ILoggingEvent::getFormattedMessage))
                .anySatisfy(l -> assertThat(l).contains("step=backup-pinned outcome=failed"));
        try (var s = Files.list(dir.resolve("work"))) {
            assertThat(s.toList()).as("no temp files").isEmpty();
        }
    }
}
