package org.ipfsbackup.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.config.Secrets;
import org.junit.jupiter.api.Test;

class AlertSettingsTest {
    static final Duration H = Duration.ofHours(1);

    static AlertSettings mail(String host, int port, String user, boolean pw, String from, List<String> to) {
        return new AlertSettings(true, host, port, user, pw, SmtpSecurity.STARTTLS, from, to, H, null);
    }

    static AlertSettings load(Map<String, String> props, Map<String, String> env) {
        return AlertSettings.load(k -> Optional.ofNullable(props.get(k)), new Secrets(env));
    }

    @Test
    void aCompleteMailSetupIsAccepted() {
        AlertSettings s = mail("smtp.example.org", 587, "backup", true, "ipfs-backup@example.org",
                List.of("ops@example.org", "oncall@localhost"));
        assertThat(s.email()).isTrue();
        assertThat(s.webhook()).isFalse();
        assertThat(mail("127.0.0.1", 25, null, false, "a@b.c", List.of("d@e.f")).username()).isNull();
    }

    @Test
    void invalidSettingsNameTheSetting() {
        assertThatThrownBy(() -> mail(null, 587, null, false, "a@b.c", List.of("d@e.f")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ALERT_SMTP_HOST").hasMessageContaining("ALERT_WEBHOOK_URL");
        assertThatThrownBy(() -> mail("smtp://mail.example.org", 587, null, false, "a@b.c", List.of("d@e.f")))
                .hasMessageContaining("ALERT_SMTP_HOST").hasMessageContaining("smtp://mail.example.org");
        assertThatThrownBy(() -> mail("mail", 0, null, false, "a@b.c", List.of("d@e.f"))).hasMessageContaining("ALERT_SMTP_PORT");
        assertThatThrownBy(() -> mail("mail", 70000, null, false, "a@b.c", List.of("d@e.f"))).hasMessageContaining("ALERT_SMTP_PORT");
        assertThatThrownBy(() -> mail("mail", 587, "user", false, "a@b.c", List.of("d@e.f")))
                .hasMessageContaining("ALERT_SMTP_USER").hasMessageContaining("ALERT_SMTP_PASSWORD");
        assertThatThrownBy(() -> mail("mail", 587, null, true, "a@b.c", List.of("d@e.f")))
                .hasMessageContaining("ALERT_SMTP_PASSWORD").hasMessageContaining("ALERT_SMTP_USER");
        assertThatThrownBy(() -> mail("mail", 587, null, false, null, List.of("d@e.f"))).hasMessageContaining("ALERT_FROM");
        assertThatThrownBy(() -> mail("mail", 587, null, false, "backup at example.org", List.of("d@e.f")))
                .hasMessageContaining("ALERT_FROM").hasMessageContaining("'backup at example.org' is not an e-mail address");
        assertThatThrownBy(() -> mail("mail", 587, null, false, "a@b.c", List.of())).hasMessageContaining("ALERT_TO");
        assertThatThrownBy(() -> mail("mail", 587, null, false, "a@b.c", List.of("ops@example.org", "not-an-address")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ALERT_TO").hasMessageContaining("'not-an-address'");
        assertThatThrownBy(() -> mail("mail", 587, null, false, "a@b.c", List.of("Ops <ops@example.org>")))
                .hasMessageContaining("ALERT_TO");
        assertThatThrownBy(() -> new AlertSettings(true, "mail", 587, null, false, null, "a@b.c", List.of("d@e.f"), H, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ALERT_SMTP_SECURITY");
        assertThatThrownBy(() -> new AlertSettings(true, "mail", 587, null, false, SmtpSecurity.SSL, "a@b.c", List.of("d@e.f"),
                Duration.ZERO, null)).isInstanceOf(ConfigException.class).hasMessageContaining("ALERT_REPEAT_INTERVAL");
        assertThatThrownBy(() -> new AlertSettings(true, null, 0, null, false, null, null, null, H,
                URI.create("ftp://hooks.example.org/T0/B0/tokenXYZ"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ALERT_WEBHOOK_URL").hasMessageNotContaining("tokenXYZ");
        // the same check as every other URL setting (config.Urls), without repeating the secret URL
        assertThatThrownBy(() -> new AlertSettings(true, null, 0, null, false, null, null, null, H,
                URI.create("https://hooks.example.org:99999/T0/B0/tokenXYZ"))).isInstanceOf(ConfigException.class)
                .hasMessage("ALERT_WEBHOOK_URL: port 99999 is out of range 1..65535");
    }

    @Test
    void disabledAlertsNeedNothing() {
        AlertSettings off = new AlertSettings(false, null, 0, null, false, null, null, null, null, null);
        assertThat(off.email()).isFalse();
        assertThat(off.webhook()).isFalse();
        assertThat(off.to()).isEmpty();
    }

    @Test
    void aWebhookAloneIsEnoughAndToStringHidesSecrets() {
        AlertSettings s = new AlertSettings(true, null, 0, null, false, null, null, null, H,
                URI.create("https://hooks.slack.com/services/T000/B000/tokenXYZ"));
        assertThat(s.webhook()).isTrue();
        assertThat(s.email()).isFalse();
        assertThat(s.toString()).contains("https://hooks.slack.com/***").doesNotContain("tokenXYZ", "T000");
        AlertSettings m = mail("mail", 587, "backup", true, "a@b.c", List.of("d@e.f"));
        assertThat(m.toString()).contains("password=***", "username=backup", "mail:587");
    }

    @Test
    void loadsPropertiesAndSecretsWithDefaults() {
        Map<String, String> props = new HashMap<>(Map.of("alert.enabled", "true", "alert.smtp.host", "smtp.example.org",
                "alert.smtp.username", "backup", "alert.from", "ipfs-backup@example.org",
                "alert.to", " ops@example.org , oncall@example.org ,"));
        AlertSettings s = load(props, Map.of("ALERT_SMTP_PASSWORD", "pw-from-env"));
        assertThat(s.smtpPort()).isEqualTo(587);
        assertThat(s.security()).isEqualTo(SmtpSecurity.STARTTLS);
        assertThat(s.repeatInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(s.to()).containsExactly("ops@example.org", "oncall@example.org");
        assertThat(s.passwordPresent()).isTrue();
        assertThat(s.toString()).doesNotContain("pw-from-env");

        props.putAll(Map.of("alert.smtp.port", "465", "alert.smtp.security", "ssl", "alert.repeat-interval", "30m"));
        AlertSettings ssl = load(props, Map.of("ALERT_SMTP_PASSWORD", "pw", "ALERT_WEBHOOK_URL", "https://hooks.example.org/x/y"));
        assertThat(ssl.security()).isEqualTo(SmtpSecurity.SSL);
        assertThat(ssl.smtpPort()).isEqualTo(465);
        assertThat(ssl.repeatInterval()).isEqualTo(Duration.ofMinutes(30));
        assertThat(ssl.webhookUrl()).isEqualTo(URI.create("https://hooks.example.org/x/y"));

        assertThatThrownBy(() -> load(props, Map.of())).hasMessageContaining("ALERT_SMTP_PASSWORD");
        props.put("alert.smtp.security", "tls1.3");
        assertThatThrownBy(() -> load(props, Map.of("ALERT_SMTP_PASSWORD", "pw")))
                .hasMessageContaining("ALERT_SMTP_SECURITY").hasMessageContaining("tls1.3");
        assertThat(load(Map.of(), Map.of()).enabled()).isFalse();
    }
}
