package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.awaitility.Awaitility;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on the real stack: IPFS node 2 stopped during a backup. The backup fails with a clear error, nothing is
 * recorded, no temp files stay, the failure mail reaches the stack's GreenMail (read back over IMAP); with the node
 * back, the next backup succeeds and a RESOLVED mail follows.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class FaultStackTest {
    static final String OPS = "ops-fault@devstack.test";

    @TempDir
    Path tmp;

    @Test
    void ipfsNode2DownFailsTheBackupWithAnAlertAndTheNextBackupSucceeds(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        Map<String, String> o = TestSettings.stack(env, tmp.resolve("work"));
        o.put("ipfs.pin.timeout", "10s");
        o.put("ipfs.retry.delay", "500");
        o.put("ipfs.retry.attempts", "1");
        o.put("retention.after-backup", "false");
        TestSettings.withStackAlerts(o, env, OPS, tmp.resolve("spool"));
        try (BackupApplication app = TestSettings.startOnStack(Project.routes(), o, env);
             var source = com.mongodb.client.MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            int before = repo.all().size();

            stack.stopProcess("kubo2");
            BackupApplication.Outcome failed;
            try {
                failed = app.runBackup("full");
            } finally {
                stack.startProcess("kubo2");
            }
            assertThat(failed.succeeded()).isFalse();
            assertThat(failed.failure()).as("a clear error").containsAnyOf("not pinned", "not enough peers");
            assertThat(repo.all()).as("nothing recorded").hasSize(before);
            try (var s = java.nio.file.Files.list(tmp.resolve("work"))) {
                assertThat(s.toList()).as("no temp files").isEmpty();
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> subjects(env).stream().anyMatch(s -> s.startsWith("[ipfs-backup][CRITICAL]")));

            stack.awaitClusterPeers(Duration.ofSeconds(90));
            BackupApplication.Outcome ok = app.runBackup("full");
            assertThat(ok.failure()).isNull();
            assertThat(repo.all()).hasSize(before + 1);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> subjects(env).stream().anyMatch(s -> s.startsWith("[ipfs-backup][RESOLVED]")));
        }
    }

    @Test
    void twoInstancesSharingFerretDbNeverHoldTheLockTogether(LocalStack stack) {
        try (var c = com.mongodb.client.MongoClients.create(stack.env().get("MONGODB_URI"))) {
            var db = c.getDatabase("ipfs_backup_locktest");
            db.getCollection("locks").drop();
            org.ipfsbackup.job.BackupLock a = org.ipfsbackup.job.BackupLock.inDatabase(db, java.time.Clock.systemUTC());
            org.ipfsbackup.job.BackupLock b = org.ipfsbackup.job.BackupLock.inDatabase(db, java.time.Clock.systemUTC());
            try {
                assertThat(a.tryAcquire("full")).isTrue();
                assertThat(b.tryAcquire("incremental")).isFalse();
                assertThat(b.holder()).contains("full").contains(a.owner());
                assertThat(db.getCollection("locks").countDocuments()).isEqualTo(1);
                a.release();
                assertThat(db.getCollection("locks").countDocuments()).isZero();
                assertThat(b.tryAcquire("incremental")).isTrue();
                assertThat(a.tryAcquire("full")).isFalse();
                b.release();
            } finally {
                a.close();
                b.close();
                db.drop();
            }
        }
    }

    static List<String> subjects(Map<String, String> env) throws Exception {
        return subjects(env, OPS);
    }

    /** The subjects in the stack's GreenMail INBOX of {@code to}, read over IMAP. */
    static List<String> subjects(Map<String, String> env, String to) throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.connectiontimeout", "5000");
        p.put("mail.imap.timeout", "5000");
        Store store = Session.getInstance(p).getStore("imap");
        store.connect(env.get("IMAP_HOST"), Integer.parseInt(env.get("IMAP_PORT")), to, "any");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try {
                List<String> out = new ArrayList<>();
                for (Message m : inbox.getMessages()) {
                    out.add(m.getSubject());
                }
                return out;
            } finally {
                inbox.close(false);
            }
        } finally {
            store.close();
        }
    }
}
