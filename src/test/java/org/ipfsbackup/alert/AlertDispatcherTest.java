package org.ipfsbackup.alert;

import org.ipfsbackup.mongo.Masking;

import org.ipfsbackup.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.ipfsbackup.alert.AlertDispatcher.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertDispatcherTest {
    static final Instant T = Instant.parse("2024-05-05T02:00:00Z");
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(T);
    final FlakySender sender = new FlakySender();

    /** Records what it delivered; fails while {@code down}. */
    static final class FlakySender implements AlertSender {
        final List<Alert> delivered = new ArrayList<>();
        boolean down;
        int failures;

        @Override
        public void send(Alert alert) throws IOException {
            if (down) {
                failures++;
                throw new ConnectException("Connection refused: smtp://backup:SmtpPw1@mail:587");
            }
            delivered.add(alert);
        }
    }

    AlertDispatcher dispatcher(AlertSpool spool) {
        return new AlertDispatcher(new AlertThrottle(Duration.ofHours(1), clock), sender, spool);
    }

    static Alert alert(AlertEvent e, String error) {
        return Alert.of(e, "full", "step", error, "name", T);
    }

    @Test
    void anAlertThatCannotBeSentIsKeptAndSentWhenSmtpAnswersAgain() {
        DirectorySpool spool = new DirectorySpool(dir, clock, Masking.PATTERNS);
        AlertDispatcher d = dispatcher(spool);
        sender.down = true;

        assertThat(d.raise(alert(AlertEvent.BACKUP_FAILURE, "first"))).isEqualTo(Outcome.SPOOLED);
        assertThat(d.raise(alert(AlertEvent.PIN_FAILURE, "second"))).isEqualTo(Outcome.SPOOLED);
        assertThat(d.raise(alert(AlertEvent.BACKUP_FAILURE, "repeat"))).isEqualTo(Outcome.SUPPRESSED);
        assertThat(spool.pending()).hasSize(2);
        assertThat(spool.pending().get(0).reason()).contains("ConnectException", "Connection refused").doesNotContain("SmtpPw1");

        // still down: the retry stops at the first failure and counts it
        assertThat(d.retryPending()).isZero();
        assertThat(sender.failures).isEqualTo(3);
        assertThat(spool.pending()).extracting(SpooledAlert::attempts).containsExactly(2, 1);

        sender.down = false;
        assertThat(d.retryPending()).isEqualTo(2);
        assertThat(sender.delivered).extracting(Alert::error).containsExactly("first", "second");
        assertThat(spool.pending()).isEmpty();
        assertThat(d.retryPending()).isZero();
    }

    @Test
    void aSuccessfulSendAlsoDeliversWhatWasKept() {
        DirectorySpool spool = new DirectorySpool(dir, clock, Masking.PATTERNS);
        AlertDispatcher d = dispatcher(spool);
        sender.down = true;
        d.raise(alert(AlertEvent.BACKUP_FAILURE, "kept"));
        sender.down = false;

        assertThat(d.raise(alert(AlertEvent.STORAGE_THRESHOLD, "now"))).isEqualTo(Outcome.SENT);
        assertThat(sender.delivered).extracting(Alert::error).containsExactly("now", "kept");
        assertThat(spool.pending()).isEmpty();
    }

    @Test
    void resolvingSendsOnceAndOnlyForSentAlerts() {
        AlertDispatcher d = dispatcher(new DirectorySpool(dir, clock, Masking.PATTERNS));
        assertThat(d.resolve("BACKUP_FAILURE/full", "ok")).isEqualTo(Outcome.NOTHING_OPEN);
        d.raise(alert(AlertEvent.BACKUP_FAILURE, "boom"));
        assertThat(d.resolve("BACKUP_FAILURE/full", "ok")).isEqualTo(Outcome.SENT);
        assertThat(d.resolve("BACKUP_FAILURE/full", "ok")).isEqualTo(Outcome.NOTHING_OPEN);
        assertThat(sender.delivered).extracting(Alert::resolved).containsExactly(false, true);
    }

    @Test
    void aResolvedAlertThatCannotBeSentIsKeptToo() {
        DirectorySpool spool = new DirectorySpool(dir, clock, Masking.PATTERNS);
        AlertDispatcher d = dispatcher(spool);
        d.raise(alert(AlertEvent.NO_RECENT_BACKUP, "27h"));
        sender.down = true;
        assertThat(d.resolve("NO_RECENT_BACKUP/full", "backup succeeded")).isEqualTo(Outcome.SPOOLED);
        assertThat(spool.pending()).singleElement().satisfies(s -> assertThat(s.alert().resolved()).isTrue());
    }

    @Test
    void eachChannelKeepsOnlyWhatItMissedSoNobodyGetsAnAlertTwice() {
        FlakySender mail = new FlakySender();
        FlakySender webhook = new FlakySender();
        DirectorySpool mailSpool = new DirectorySpool(dir.resolve("mail"), clock, Masking.PATTERNS);
        DirectorySpool hookSpool = new DirectorySpool(dir.resolve("webhook"), clock, Masking.PATTERNS);
        AlertDispatcher d = new AlertDispatcher(new AlertThrottle(Duration.ofHours(1), clock),
                List.of(new AlertDispatcher.Channel("mail", mail, mailSpool), new AlertDispatcher.Channel("webhook", webhook, hookSpool)));

        webhook.down = true;
        assertThat(d.raise(alert(AlertEvent.BACKUP_FAILURE, "first"))).isEqualTo(Outcome.SPOOLED);
        assertThat(mail.delivered).extracting(Alert::error).containsExactly("first");
        assertThat(mailSpool.pending()).isEmpty();
        assertThat(hookSpool.pending()).extracting(sa -> sa.alert().error()).containsExactly("first");

        // the webhook still down: a second alert reaches the mail, and the webhook's kept one is not re-mailed
        assertThat(d.raise(alert(AlertEvent.PIN_FAILURE, "second"))).isEqualTo(Outcome.SPOOLED);
        assertThat(mail.delivered).extracting(Alert::error).containsExactly("first", "second");
        assertThat(hookSpool.pending()).hasSize(2);

        webhook.down = false;
        assertThat(d.retryPending()).isEqualTo(2);
        assertThat(webhook.delivered).extracting(Alert::error).containsExactly("first", "second");
        assertThat(mail.delivered).hasSize(2);
        assertThat(hookSpool.pending()).isEmpty();

        assertThat(d.raise(alert(AlertEvent.RETENTION_FAILURE, "third"))).isEqualTo(Outcome.SENT);
        assertThat(mail.delivered).hasSize(3);
        assertThat(webhook.delivered).hasSize(3);
    }

    @Test
    void aDispatcherNeedsAChannel() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AlertDispatcher(new AlertThrottle(Duration.ofHours(1), clock), List.of()))
                .hasMessageContaining("at least one channel");
    }
}
