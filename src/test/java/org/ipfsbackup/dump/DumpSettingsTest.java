package org.ipfsbackup.dump;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DumpSettingsTest {

    private static final String URI = "mongodb://backup:hunter2hunter2@db1:27017,db2:27017/?replicaSet=rs0";

    @Test
    void defaults() {
        DumpSettings s = DumpSettings.of(URI);
        assertThat(s.engine()).isEqualTo("auto");
        assertThat(s.includeDatabases()).isEmpty();
        assertThat(s.excludeDatabases()).containsExactly("admin", "local", "config");
        assertThat(s.readPreference()).isEqualTo("secondary");
        assertThat(s.readPreferenceFromUri()).isFalse();
        assertThat(s.timeout()).isEqualTo(Duration.ofHours(6));
        assertThat(s.mongodumpPath()).isEqualTo("mongodump");
        assertThat(s.oplog()).isTrue();
    }

    @Test
    void selectionIsIncludeMinusExcludeAndLocalConfigOnlyWhenNamed() {
        List<String> server = List.of("shop", "admin", "local", "config", "analytics", "crm");
        assertThat(DumpSettings.of(URI).select(server)).containsExactly("analytics", "crm", "shop");
        assertThat(DumpSettings.of(URI).withDatabases(null, List.of("crm")).select(server))
                .containsExactly("admin", "analytics", "shop");
        assertThat(DumpSettings.of(URI).withDatabases(List.of("crm", "shop", "missing"), null).select(server))
                .containsExactly("crm", "shop");
        assertThat(DumpSettings.of(URI).withDatabases(List.of("local", "crm"), List.of()).select(server))
                .containsExactly("crm", "local");
        assertThat(DumpSettings.of(URI).withDatabases(List.of(" shop ", "", "shop"), null).includeDatabases())
                .containsExactly("shop");
    }

    @Test
    void readPreferenceComesFromTheUriUnlessSetAndMustAgree() {
        DumpSettings fromUri = DumpSettings.of(URI + "&readPreference=secondaryPreferred");
        assertThat(fromUri.readPreference()).isEqualTo("secondaryPreferred");
        assertThat(fromUri.readPreferenceFromUri()).isTrue();
        assertThat(DumpSettings.of(URI).withReadPreference("PRIMARYPREFERRED").readPreference()).isEqualTo("primaryPreferred");
        assertThatThrownBy(() -> fromUri.withReadPreference("primary"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dump.readPreference")
                .hasMessageContaining("MONGODB_URI");
        assertThatThrownBy(() -> DumpSettings.of(URI).withReadPreference("fastest"))
                .hasMessageContaining("dump.readPreference must be one of primary, primaryPreferred, secondary");
    }

    @Test
    void invalidValuesAreNamedBySetting() {
        assertThatThrownBy(() -> DumpSettings.of(" ")).hasMessageContaining("MONGODB_URI is required");
        assertThatThrownBy(() -> DumpSettings.of("http://backup:hunter2hunter2@db1/"))
                .hasMessageContaining("MONGODB_URI is not a valid MongoDB connection string")
                .hasMessageNotContaining("hunter2hunter2");
        assertThatThrownBy(() -> DumpSettings.of(URI).withEngine("pgdump")).hasMessageContaining("dump.engine must be one of auto, mongodump, driver");
        assertThat(DumpSettings.of(URI).withEngine(" Driver ").engine()).isEqualTo("driver");
        assertThatThrownBy(() -> DumpSettings.of(URI).withDatabases(List.of("../etc"), null))
                .hasMessageContaining("dump.includeDatabases: not a valid database name");
        assertThatThrownBy(() -> DumpSettings.of(URI).withDatabases(null, List.of("a/b")))
                .hasMessageContaining("dump.excludeDatabases");
        assertThatThrownBy(() -> DumpSettings.of(URI).withDatabases(List.of("shop"), List.of("shop")))
                .hasMessageContaining("'shop' is named in both dump.includeDatabases and dump.excludeDatabases");
        assertThatThrownBy(() -> DumpSettings.of(URI).withTimeout(Duration.ZERO)).hasMessageContaining("dump.timeout must be positive");
        assertThatThrownBy(() -> DumpSettings.of(URI).withTimeout(Duration.ofSeconds(-1))).hasMessageContaining("dump.timeout");
    }

    @Test
    void toStringMasksThePassword() {
        assertThat(DumpSettings.of(URI).toString()).contains("mongodb://***@db1:27017").doesNotContain("hunter2hunter2");
    }
}
