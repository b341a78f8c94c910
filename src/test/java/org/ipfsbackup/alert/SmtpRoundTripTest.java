package org.ipfsbackup.alert;

import org.ipfsbackup.mongo.Masking;

import org.ipfsbackup.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A composed alert through a real SMTP conversation (GreenMail in this JVM, 127.0.0.1, a free port). */
class SmtpRoundTripTest {
    static final String SMTP_PASSWORD = "smtp-Secret-42";
    static final Instant T = Instant.parse("2024-05-05T02:03:04Z");

    @TempDir
    Path dir;

    /** Plain jakarta.mail, as the e-mail route would send it: subject and body from the composer. */
    static final class MailSender implements AlertSender {
        final AlertComposer composer;
        final int port;

        MailSender(AlertComposer composer, int port) {
            this.composer = composer;
            this.port = port;
        }

        @Override
        public void send(Alert alert) throws MessagingException {
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", Integer.toString(port));
            p.put("mail.smtp.auth", "true");
            p.put("mail.smtp.connectiontimeout", "5000");
            p.put("mail.smtp.timeout", "5000");
            Session session = Session.getInstance(p, new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return new PasswordAuthentication("backup", SMTP_PASSWORD);
                }
            });
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("ipfs-backup@example.org"));
            m.setRecipients(Message.RecipientType.TO, InternetAddress.parse("ops@example.org"));
            m.setSubject(composer.subject(alert), "UTF-8");
            m.setText(composer.body(alert), "UTF-8");
            Transport.send(m);
        }
    }

    static GreenMail startSmtp(ServerSetup setup) {
        GreenMail mail = new GreenMail(setup);
        mail.setUser("ops@example.org", "backup", SMTP_PASSWORD);
        mail.start();
        return mail;
    }

    static Alert alert() {
        return Alert.of(AlertEvent.BACKUP_FAILURE, "full", "backup-encrypt",
                "cipher failed for mongodb://admin:DbPw77@db1:27017/ with BACKUP_ENCRYPTION_KEY=KeyMat99 – ünïcode ok",
                "full_backup_2024-05-05_020000.tar.gz.enc", T);
    }

    @Test
    void subjectAndBodySurviveARealSmtpRoundTrip() throws Exception {
        AlertComposer composer = new AlertComposer("backup-host-1", List.of(SMTP_PASSWORD));
        GreenMail mail = startSmtp(ServerSetupTest.SMTP.createCopy("127.0.0.1").dynamicPort());
        try {
            Alert a = alert();
            new MailSender(composer, mail.getSmtp().getPort()).send(a);

            MimeMessage[] received = mail.getReceivedMessages();
            assertThat(received).hasSize(1);
            assertThat(received[0].getSubject()).isEqualTo("[ipfs-backup][CRITICAL] backup failure (full)");
            String body = GreenMailUtil.getBody(received[0]);
            String text = received[0].getContent().toString();
            // SMTP transport may drop the final line break; everything else arrives as composed
            assertThat(text.replace("\r\n", "\n").stripTrailing()).isEqualTo(composer.body(a).stripTrailing());
            assertThat(text).contains("backup-encrypt", "full_backup_2024-05-05_020000.tar.gz.enc", "2024-05-05T02:03:04Z",
                    "ünïcode ok", "What to check:");
            assertThat(GreenMailUtil.getWholeMessage(received[0])).doesNotContain("DbPw77", "KeyMat99", SMTP_PASSWORD);
            assertThat(body).isNotBlank();
        } finally {
            mail.stop();
        }
    }

    @Test
    void anAlertKeptWhileSmtpIsDownIsDeliveredWhenItAnswersAgain() throws Exception {
        AlertComposer composer = new AlertComposer("backup-host-1", List.of(SMTP_PASSWORD));
        GreenMail first = startSmtp(ServerSetupTest.SMTP.createCopy("127.0.0.1").dynamicPort());
        int port = first.getSmtp().getPort();
        first.stop(); // SMTP down

        MailSender sender = new MailSender(composer, port);
        assertThatThrownBy(() -> sender.send(alert())).isInstanceOf(MessagingException.class);
        DirectorySpool spool = new DirectorySpool(dir, new MutableClock(T), Masking.PATTERNS);
        AlertDispatcher d = new AlertDispatcher(new AlertThrottle(Duration.ofHours(1), new MutableClock(T)), sender, spool);
        assertThat(d.raise(alert())).isEqualTo(AlertDispatcher.Outcome.SPOOLED);
        assertThat(spool.pending()).hasSize(1);

        GreenMail again = startSmtp(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        try {
            assertThat(d.retryPending()).isEqualTo(1);
            assertThat(again.getReceivedMessages()).singleElement()
                    .satisfies(m -> assertThat(m.getSubject()).isEqualTo("[ipfs-backup][CRITICAL] backup failure (full)"));
            assertThat(spool.pending()).isEmpty();
        } finally {
            again.stop();
        }
    }
}
