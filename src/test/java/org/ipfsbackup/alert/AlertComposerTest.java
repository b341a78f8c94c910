package org.ipfsbackup.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AlertComposerTest {
    static final Instant T = Instant.parse("2024-05-05T02:03:04Z");
    static final String NAME = "full_backup_2024-05-05_020000.tar.gz.enc";
    final AlertComposer composer = new AlertComposer("backup-host-1", List.of());

    @ParameterizedTest
    @EnumSource(AlertEvent.class)
    void everyEventSaysWhatWhereWhenAndWhatToCheck(AlertEvent event) {
        Alert a = Alert.of(event, "incremental", "backup-encrypt", "disk full while writing segment 7", NAME, T);

        String subject = composer.subject(a);
        assertThat(subject).startsWith("[ipfs-backup][" + event.defaultSeverity() + "] ")
                .contains(event.title()).endsWith("(incremental)").doesNotContain("\n");

        String body = composer.body(a);
        assertThat(body).contains(event.defaultSeverity().name(), event.name(), event.title(), "incremental",
                "Route/step:   backup-encrypt", "disk full while writing segment 7", "Backup name:  " + NAME,
                "Time (UTC):   2024-05-05T02:03:04Z", "Host:         backup-host-1", "What to check:",
                event.whatToCheck().substring(0, 40));
        assertThat(event.whatToCheck()).isNotBlank();
    }

    @Test
    void severitiesAndTitlesAreDistinctPerEvent() {
        assertThat(AlertEvent.BACKUP_FAILURE.defaultSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(AlertEvent.NO_RECENT_BACKUP.defaultSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(AlertEvent.BACKUP_NOT_PINNED.defaultSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(AlertEvent.STORAGE_THRESHOLD.defaultSeverity()).isEqualTo(Severity.WARNING);
        assertThat(AlertEvent.OPLOG_WINDOW_SHORT.defaultSeverity()).isEqualTo(Severity.WARNING);
        assertThat(java.util.Arrays.stream(AlertEvent.values()).map(AlertEvent::title).distinct()).hasSize(AlertEvent.values().length);
        assertThat(java.util.Arrays.stream(AlertEvent.values()).map(AlertEvent::whatToCheck).distinct())
                .hasSize(AlertEvent.values().length);
    }

    @Test
    void subjectsAsOperatorsSeeThem() {
        Alert a = Alert.of(AlertEvent.BACKUP_FAILURE, "full", "backup-dump", "boom", NAME, T);
        assertThat(composer.subject(a)).isEqualTo("[ipfs-backup][CRITICAL] backup failure (full)");
        assertThat(composer.subject(a.resolvedAt(T.plusSeconds(60), "ok")))
                .isEqualTo("[ipfs-backup][RESOLVED] backup failure (full)");
        Alert storage = Alert.of(AlertEvent.STORAGE_THRESHOLD, null, null, "92% used", null, T);
        assertThat(composer.subject(storage)).isEqualTo("[ipfs-backup][WARNING] storage above threshold");
        assertThat(composer.body(storage)).contains("Backup type:  -", "Route/step:   -", "Backup name:  -");
    }

    @Test
    void aResolvedBodySaysSoAndGivesNoChecklist() {
        Alert a = Alert.of(AlertEvent.PIN_FAILURE, "full", "backup-pin-verify", "timeout", NAME, T)
                .resolvedAt(T.plusSeconds(3600), "pinned on 3/3 peers");
        String body = composer.body(a);
        assertThat(body).startsWith("RESOLVED: IPFS pin failure").contains("pinned on 3/3 peers", "2024-05-05T03:03:04Z")
                .doesNotContain("What to check:").doesNotContain(AlertEvent.PIN_FAILURE.whatToCheck());
    }

    @Test
    void noSecretReachesSubjectBodyOrWebhook() {
        String error = "cannot connect to mongodb://admin:Pa55w0rd@db1:27017/?authSource=admin&password=qpSecret\n"
                + "env: BACKUP_ENCRYPTION_KEY=c2VjcmV0LWtleS1tYXRlcmlhbA== in effect\n"
                + "request had Authorization: Bearer xyzTok3n and header authorization=Basic dXNlcjpwYXNz\n"
                + "config {\"password\":\"jsonSecret\", \"token\": 'tokSecret'} smtp password: hunter22\n"
                + "also a stray Bearer eyJhbGciOi.eyJzdWIi.sig";
        Alert a = Alert.of(AlertEvent.BACKUP_FAILURE, "full", "backup-dump mongodb://u:stepSecret@h", error,
                NAME + " (IPFS_CLUSTER_TOKEN=nameSecret)", T);
        String all = composer.subject(a) + composer.body(a) + composer.slackJson(a);
        assertThat(all).doesNotContain("Pa55w0rd", "qpSecret", "c2VjcmV0LWtleS1tYXRlcmlhbA", "xyzTok3n", "dXNlcjpwYXNz",
                "jsonSecret", "tokSecret", "hunter22", "eyJhbGciOi", "stepSecret", "nameSecret");
        // the useful parts stay
        assertThat(composer.body(a)).contains("mongodb://***@db1:27017", "BACKUP_ENCRYPTION_KEY=***", "Authorization: ***",
                "Bearer ***", "cannot connect to", NAME);
    }

    @Test
    void knownSecretValuesAreHiddenWhereverTheyAppear() {
        AlertComposer withSecrets = new AlertComposer("h", List.of("smtp-pw-123", "k3y-material-xyz", "ab"));
        Alert a = Alert.of(AlertEvent.RETENTION_FAILURE, null, "retention", "login smtp-pw-123 refused; saw k3y-material-xyz ab",
                null, T);
        String body = withSecrets.body(a);
        assertThat(body).doesNotContain("smtp-pw-123", "k3y-material-xyz").contains("login *** refused; saw *** ab");
    }

    @Test
    void slackJsonIsValidAndCarriesTheWholeMessage() throws Exception {
        Alert a = Alert.of(AlertEvent.BACKUP_NOT_PINNED, "full", "pin-audit", "peer \"p2\" says:\tunpinned\n\\ gone", NAME, T);
        JsonNode json = new ObjectMapper().readTree(composer.slackJson(a));
        assertThat(json.size()).isEqualTo(1);
        String text = json.get("text").asText();
        assertThat(text).startsWith("*" + composer.subject(a) + "*\n").contains("peer \"p2\" says:\tunpinned", "\\ gone")
                .contains(composer.body(a));
    }

    @Test
    void longErrorsAreCut() {
        String huge = "x".repeat(AlertComposer.MAX_ERROR_CHARS + 500);
        String body = composer.body(Alert.of(AlertEvent.BACKUP_FAILURE, "full", "s", huge, NAME, T));
        assertThat(body).contains("500 more characters in the log").doesNotContain("x".repeat(AlertComposer.MAX_ERROR_CHARS + 1));
    }

    @Test
    void alertsCheckTheirParts() {
        assertThatThrownBy(() -> Alert.of(AlertEvent.BACKUP_FAILURE, "FULL", "s", "e", NAME, T))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FULL");
        assertThatThrownBy(() -> Alert.of(AlertEvent.BACKUP_FAILURE, "full", "s", "e", NAME, null))
                .isInstanceOf(NullPointerException.class);
        assertThat(Alert.of(AlertEvent.BACKUP_FAILURE, "full", "s", "e", NAME, T).key()).isEqualTo("BACKUP_FAILURE/full");
        assertThat(Alert.of(AlertEvent.STORAGE_THRESHOLD, null, null, "e", null, T).key()).isEqualTo("STORAGE_THRESHOLD");
        assertThat(Alert.ofCid(AlertEvent.BACKUP_NOT_PINNED, "full", "bafyX", null, "e", NAME, T).key())
                .isEqualTo("BACKUP_NOT_PINNED/full/bafyX");
        assertThat(Alert.ofCid(AlertEvent.BACKUP_NOT_PINNED, null, "bafyY", null, "e", null, T).key())
                .isEqualTo("BACKUP_NOT_PINNED/-/bafyY");
    }
}
