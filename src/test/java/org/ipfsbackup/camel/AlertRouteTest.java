package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failure alerts by e-mail through camel-mail into GreenMail: sent, not repeated, resolved, kept while SMTP is down. */
class AlertRouteTest {
    InJvmMongo mongo;
    FakeCluster cluster;
    GreenMail smtp;
    int smtpPort;
    BackupApplication app;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        mongo = InJvmMongo.start(false);
        try (MongoClient c = MongoClients.create(uri())) {
            c.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 1));
        }
        cluster = new FakeCluster();
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            smtpPort = s.getLocalPort();
        }
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        Map<String, String> o = TestSettings.routeTest(uri(), cluster.url(), dir.resolve("work"));
        o.put("dump.oplog", "false");
        o.put("alert.enabled", "true");
        o.put("alert.smtp.host", "127.0.0.1");
        o.put("alert.smtp.port", Integer.toString(smtpPort));
        o.put("alert.smtp.security", "none");
        o.put("alert.from", "ipfs-backup@example.test");
        o.put("alert.to", "ops@example.test");
        o.put("alert.spool-dir", dir.resolve("spool").toString());
        o.put("alert.retry-interval", "200");
        o.put("ipfs.nodes", cluster.url());
        app = TestSettings.start(Project.routes(), o);
    }

    String uri() {
        return mongo.uri();
    }

    @AfterEach
    void tearDown() {
        app.close();
        smtp.stop();
        cluster.close();
        mongo.close();
    }

    List<String> subjects() {
        return Arrays.stream(smtp.getReceivedMessages()).map(m -> {
            try {
                return m.getSubject();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    @Test
    void aFailedBackupSendsOneAlertThenAResolvedOneWhenABackupSucceeds() throws Exception {
        cluster.mode.set(FakeCluster.Mode.EMPTY_BODY);
        assertThat(app.runBackup("full").succeeded()).isFalse();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 1);
        MimeMessage mail = smtp.getReceivedMessages()[0];
        assertThat(mail.getSubject()).isEqualTo("[ipfs-backup][CRITICAL] backup failure (full)");
        assertThat(mail.getAllRecipients()[0].toString()).isEqualTo("ops@example.test");
        String body = com.icegreen.greenmail.util.GreenMailUtil.getBody(mail);
        assertThat(body).contains("backup-upload").contains("empty body").contains("full_backup_").doesNotContain(Project.TEST_KEY);

        // the same failure again within alert.repeat-interval: no second mail
        assertThat(app.runBackup("full").succeeded()).isFalse();
        cluster.mode.set(FakeCluster.Mode.OK);
        assertThat(app.runBackup("full").succeeded()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 2);
        assertThat(subjects()).containsExactly("[ipfs-backup][CRITICAL] backup failure (full)", "[ipfs-backup][RESOLVED] backup failure (full)");
        // both mails counted by event in ipfs_backup_alerts_sent_total
        var sent = app.metrics().registry().find("ipfs.backup.alerts.sent").tag("event", "backup_failure").counter();
        assertThat(sent).isNotNull();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sent.count() == 2.0);
    }

    @Test
    void watchdogAlertsWhenNoBackupForTooLongAndWhenStorageIsHighAndResolvesBoth() throws Exception {
        cluster.repoSize.set(850);
        app.runWatchdog(null); // no backup at all yet, storage at 85%
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 2);
        assertThat(subjects()).containsExactlyInAnyOrder("[ipfs-backup][CRITICAL] no recent successful backup",
                "[ipfs-backup][WARNING] storage above threshold");
        assertThat(com.icegreen.greenmail.util.GreenMailUtil.getBody(smtp.getReceivedMessages()[1]) + com.icegreen.greenmail.util.GreenMailUtil
                .getBody(smtp.getReceivedMessages()[0])).contains("85.0%");

        assertThat(app.runBackup("full").succeeded()).isTrue();
        cluster.repoSize.set(100);
        app.runWatchdog(null);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 4);
        assertThat(subjects().subList(2, 4)).containsExactlyInAnyOrder("[ipfs-backup][RESOLVED] no recent successful backup",
                "[ipfs-backup][RESOLVED] storage above threshold");

        // 27 hours later without a backup, the alert comes back
        app.runWatchdog(java.time.Instant.now().plus(Duration.ofHours(27)));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 5);
        assertThat(subjects().get(4)).isEqualTo("[ipfs-backup][CRITICAL] no recent successful backup");
    }

    @Test
    void aBackupNoLongerPinnedEverywhereIsRecoveredOrAlerted() throws Exception {
        BackupApplication.Outcome o = app.runBackup("full");
        assertThat(o.succeeded()).isTrue();
        String cid = o.entry().cid();
        cluster.lostOnPeerB.add(cid);
        app.runWatchdog(null);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 1);
        assertThat(subjects()).containsExactly("[ipfs-backup][CRITICAL] backup not pinned on every allocated peer");
        assertThat(com.icegreen.greenmail.util.GreenMailUtil.getBody(smtp.getReceivedMessages()[0])).contains(cid).contains("unexpectedly_unpinned");
        assertThat(cluster.requests).anyMatch(r -> r.equals("POST /pins/" + cid + "/recover"));

        // the cluster can recover it now: the next check asks again, and the alert is resolved
        cluster.recoverable.add(cid);
        app.runWatchdog(null);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 2);
        assertThat(subjects().get(1)).isEqualTo("[ipfs-backup][RESOLVED] backup not pinned on every allocated peer");
        assertThat(cluster.lostOnPeerB).isEmpty();
    }

    @Test
    void scheduledVerificationRecordsItsOutcomeOnTheEntryAndAlertsWhenABackupNoLongerVerifies() throws Exception {
        var entry = app.runBackup("full").entry();
        app.runVerification();
        try (MongoClient c = MongoClients.create(uri())) {
            var e = new org.ipfsbackup.manifest.ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").find(entry.cid()).orElseThrow();
            assertThat(e.lastVerifiedAt()).isNotNull();
            assertThat(e.verification()).startsWith("ok:").contains("decrypted");
        }
        assertThat(smtp.getReceivedMessages()).isEmpty();

        // the stored bytes go bad: the next verification fails, is recorded and alerts
        byte[] b = cluster.content.get(entry.cid()).clone();
        b[b.length / 2] ^= 1;
        cluster.content.put(entry.cid(), b);
        app.runVerification();
        try (MongoClient c = MongoClients.create(uri())) {
            var e = new org.ipfsbackup.manifest.ManifestStore(c, "ipfs_backup", "backups", "manifest_state", "manifest_history").find(entry.cid()).orElseThrow();
            assertThat(e.verification()).startsWith("failed:").contains("sha256");
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 1);
        assertThat(subjects()).containsExactly("[ipfs-backup][CRITICAL] backup verification failure");
        // ipfs_backup_verifications_total{outcome}
        assertThat(app.metrics().registry().find("ipfs.backup.verifications").tag("outcome", "success").counter().count()).isEqualTo(1.0);
        assertThat(app.metrics().registry().find("ipfs.backup.verifications").tag("outcome", "failure").counter().count()).isEqualTo(1.0);
    }

    @Test
    void anAlertThatCannotBeSentIsKeptAndSentWhenSmtpAnswersAgain() throws Exception {
        smtp.stop();
        cluster.mode.set(FakeCluster.Mode.NEVER_PINNED);
        assertThat(app.runBackup("full").succeeded()).isFalse();
        try (var s = java.nio.file.Files.list(dir.resolve("spool"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".json")).count()).isEqualTo(1);
        }
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> smtp.getReceivedMessages().length == 1);
        assertThat(subjects()).containsExactly("[ipfs-backup][CRITICAL] IPFS pin failure (full)");
        // the spooled copy is removed once the server has accepted the message, which is just after GreenMail sees it
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> spooled() == 0);
        assertThat(smtp.getReceivedMessages()).hasSize(1);
    }

    private long spooled() throws java.io.IOException {
        try (var s = java.nio.file.Files.list(dir.resolve("spool"))) {
            return s.filter(p -> p.toString().endsWith(".json")).count();
        }
    }
}
