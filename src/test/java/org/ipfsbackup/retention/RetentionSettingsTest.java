package org.ipfsbackup.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.ipfsbackup.config.ConfigException;
import org.junit.jupiter.api.Test;

class RetentionSettingsTest {
    @Test
    void defaultsAre90DaysWithoutGfs() {
        RetentionSettings s = RetentionSettings.defaults();
        assertThat(s).isEqualTo(new RetentionSettings(90, 0, 0, 0));
        assertThat(s.gfs()).isFalse();
        assertThat(new RetentionSettings(1, 0, 0, 1).gfs()).isTrue();
        assertThat(new RetentionSettings(1, 0, 2, 0).gfs()).isTrue();
        assertThat(new RetentionSettings(1, 3, 0, 0).gfs()).isTrue();
    }

    @Test
    void invalidSettingsNameTheSetting() {
        assertThatThrownBy(() -> new RetentionSettings(0, 0, 0, 0)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("BACKUP_RETENTION_DAYS").hasMessageContaining("got 0");
        assertThatThrownBy(() -> new RetentionSettings(-5, 0, 0, 0)).hasMessageContaining("BACKUP_RETENTION_DAYS");
        assertThatThrownBy(() -> new RetentionSettings(90, -1, 0, 0)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("RETENTION_KEEP_DAILY");
        assertThatThrownBy(() -> new RetentionSettings(90, 0, -1, 0)).hasMessageContaining("RETENTION_KEEP_WEEKLY");
        assertThatThrownBy(() -> new RetentionSettings(90, 0, 0, -1)).hasMessageContaining("RETENTION_KEEP_MONTHLY");
        assertThat(new RetentionSettings(1, 0, 0, 0).retentionDays()).isEqualTo(1);
    }

    @Test
    void thePolicyNeedsSettingsAndAClock() {
        assertThatThrownBy(() -> new RetentionPolicy(null, Backups.clockAt(Backups.NOW))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new RetentionPolicy(RetentionSettings.defaults(), null)).isInstanceOf(NullPointerException.class);
    }
}
