package org.ipfsbackup.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.ipfsbackup.app.AppConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    static final String KEY = "correct-horse-battery-staple-2026-ipfs-backup";

    static PropertySource props(Map<String, String> m) {
        return k -> Optional.ofNullable(m.get(k));
    }

    static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put("mongodb.uri", "mongodb://127.0.0.1:27017/?replicaSet=rs0");
        m.put("ipfs.cluster.node1", "http://127.0.0.1:9094/");
        m.put("ipfs.cluster.node2", "http://127.0.0.1:9194");
        return m;
    }

    @Test
    void loadsDefaultsAndKeepsSecretsOutOfToString() {
        AppConfig c = AppConfig.load(props(minimal()), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY)));
        assertThat(c.fullCron()).isEqualTo("0 0 2 ? * SUN");
        assertThat(c.incrementalCron()).isEqualTo("0 0 2 * * ?");
        assertThat(c.gzipLevel()).isEqualTo(6);
        assertThat(c.kdfIterations()).isEqualTo(100_000);
        assertThat(c.ipfs().clusterNodes()).extracting(Object::toString).containsExactly("http://127.0.0.1:9094", "http://127.0.0.1:9194");
        assertThat(c.ipfs().replicationFactor()).isEqualTo(2);
        assertThat(c.ipfs().pinTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.dump().excludeDatabases()).contains("admin", "local", "config", "ipfs_backup");
        assertThat(c.toString()).doesNotContain(KEY);
    }

    @Test
    void missingOrWeakKeyStopsStartup() {
        assertThatThrownBy(() -> AppConfig.load(props(minimal()), new Secrets(Map.of())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BACKUP_ENCRYPTION_KEY");
        assertThatThrownBy(() -> AppConfig.load(props(minimal()), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", "short"))))
                .hasMessageContaining("BACKUP_ENCRYPTION_KEY");
    }

    @Test
    void lowIterationCountIsRefused() {
        Map<String, String> m = minimal();
        m.put("crypto.kdf.iterations", "1000");
        assertThatThrownBy(() -> AppConfig.load(props(m), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                .hasMessageContaining("ENCRYPTION_KEY_DERIVATION_ITERATIONS");
    }

    @Test
    void badSettingsAreNamed() {
        Map<String, String> m = minimal();
        m.put("ipfs.cluster.node1", "127.0.0.1:9094");
        assertThatThrownBy(() -> AppConfig.load(props(m), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("IPFS_CLUSTER_NODE_1");
        Map<String, String> m2 = minimal();
        m2.put("backup.full.schedule", "0 2 * *");
        assertThatThrownBy(() -> AppConfig.load(props(m2), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                .hasMessageContaining("FULL_BACKUP_SCHEDULE");
        Map<String, String> m3 = minimal();
        m3.put("mongodb.uri", "http://user:secretpw@host/");
        assertThatThrownBy(() -> AppConfig.load(props(m3), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                .hasMessageContaining("MONGODB_URI").hasMessageNotContaining("secretpw");
        Map<String, String> m4 = minimal();
        m4.put("archive.gzip-level", "11");
        assertThatThrownBy(() -> AppConfig.load(props(m4), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                .hasMessageContaining("archive.gzip-level");
        Map<String, String> m5 = minimal();
        m5.put("ipfs.pin.timeout", "soon");
        assertThatThrownBy(() -> AppConfig.load(props(m5), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                .hasMessageContaining("IPFS_PIN_TIMEOUT");
    }

    @Test
    void sliceSettingsDefaultOffEveryTenMinutesAndABadIntervalStopsStartUpNamingIt() {
        AppConfig c = AppConfig.load(props(minimal()), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY)));
        assertThat(c.service().slices()).isEqualTo(new AppConfig.Slices(false, Duration.ofMinutes(10)));
        Map<String, String> m = minimal();
        m.put("backup.slices.enabled", "true");
        m.put("backup.slices.interval", "1m");
        assertThat(AppConfig.load(props(m), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))).service().slices())
                .isEqualTo(new AppConfig.Slices(true, Duration.ofMinutes(1)));
        m.put("backup.slices.interval", "23h");
        assertThat(AppConfig.slices(props(m)).interval()).isEqualTo(Duration.ofHours(23));
        for (String bad : new String[] {"59s", "24h", "1d", "2d"}) {
            m.put("backup.slices.interval", bad);
            assertThatThrownBy(() -> AppConfig.load(props(m), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                    .as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("PITR_SLICE_INTERVAL (backup.slices.interval) = '" + bad + "' must be at least 1m and less than a day");
        }
        m.put("backup.slices.interval", "often");
        assertThatThrownBy(() -> AppConfig.slices(props(m))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("PITR_SLICE_INTERVAL").hasMessageContaining("not a duration");
        m.put("backup.slices.interval", "10m");
        m.put("backup.slices.enabled", "sometimes");
        assertThatThrownBy(() -> AppConfig.slices(props(m))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("PITR_SLICES_ENABLED (backup.slices.enabled) = 'sometimes' must be true or false");
    }

    /** Every URL setting is checked in full at start-up: scheme, host, port range, and the message names it. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "ipfs.cluster.node1 | http://127.0.0.1:99999       | IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1) = 'http://127.0.0.1:99999': port 99999 is out of range 1..65535",
            "ipfs.cluster.node2 | http://127.0.0.1:0           | IPFS_CLUSTER_NODE_2 (ipfs.cluster.node2) = 'http://127.0.0.1:0': port 0 is out of range 1..65535",
            "ipfs.cluster.node1 | http://127.0.0.1:90x4        | IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1) = 'http://127.0.0.1:90x4': port '90x4' is not a number in 1..65535",
            "ipfs.cluster.node1 | ftp://127.0.0.1:9094         | IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1) = 'ftp://127.0.0.1:9094' is not an http(s) URL like http://127.0.0.1:9094 (scheme 'ftp')",
            "ipfs.cluster.node1 | http://:9094                 | IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1) = 'http://:9094' has no valid host",
            "ipfs.cluster.node1 | http://bad_host!:9094        | IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1) = 'http://bad_host!:9094' has no valid host",
            "ipfs.nodes         | http://127.0.0.1:5001,http://127.0.0.1:65536 | IPFS_NODES (ipfs.nodes) = 'http://127.0.0.1:65536': port 65536 is out of range 1..65535",
            "ipfs.cluster.node1 | http://127.0.0.1:99999999999 | IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1) = 'http://127.0.0.1:99999999999': port 99999999999 is out of range 1..65535",
            "mongodb.uri        | mongodb://127.0.0.1:99999/?replicaSet=rs0 | MONGODB_URI (mongodb.uri) is not a valid connection string: The connection string contains an invalid host and port. The port must be an integer between 0 and 65535.",
            "mongodb.uri        | mongodb://a:27017,b:123456/  | MONGODB_URI (mongodb.uri) is not a valid connection string: The connection string contains an invalid host and port.",
            "mongodb.uri        | mongodb://u:secretpw@h:0/    | MONGODB_URI (mongodb.uri) is not a valid connection string: The connection string contains an invalid host and port.",
    })
    void urlSettingsAreValidatedInFullNamingTheSetting(String setting, String value, String message) {
        Map<String, String> m = minimal();
        m.put(setting, value);
        assertThatThrownBy(() -> AppConfig.load(props(m), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(message).hasMessageNotContaining("secretpw");
    }

    @Test
    void validUrlsPass() {
        Map<String, String> m = minimal();
        m.put("ipfs.cluster.node1", "https://cluster.example.org");
        m.put("ipfs.cluster.node2", "http://[::1]:65535/");
        m.put("ipfs.nodes", "http://127.0.0.1:1,http://kubo-2:5001");
        m.put("mongodb.uri", "mongodb://u:pw@a:27017,b,[::1]:65535/?replicaSet=rs0");
        AppConfig c = AppConfig.load(props(m), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY)));
        assertThat(c.ipfs().clusterNodes()).extracting(java.net.URI::getPort).containsExactly(-1, 65535);
        assertThat(c.ipfs().kuboNodes()).extracting(java.net.URI::getPort).containsExactly(1, 5001);
    }

    @Test
    void basicAuthAndTokenComeFromSecrets() {
        Map<String, String> m = minimal();
        m.put("ipfs.cluster.username", "backup");
        assertThatThrownBy(() -> AppConfig.load(props(m), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY))))
                .hasMessageContaining("IPFS_CLUSTER_PASSWORD");
        AppConfig c = AppConfig.load(props(m), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY, "IPFS_CLUSTER_PASSWORD", "pw")));
        assertThat(c.ipfs().authorization()).isEqualTo("Basic YmFja3VwOnB3");
        assertThat(c.ipfs().toString()).doesNotContain("YmFja3VwOnB3");
        AppConfig t = AppConfig.load(props(minimal()), new Secrets(Map.of("BACKUP_ENCRYPTION_KEY", KEY, "IPFS_CLUSTER_TOKEN", "tok")));
        assertThat(t.ipfs().authorization()).isEqualTo("Bearer tok");
    }

    @Test
    void secretFromFileKeepsEverythingButOneTrailingNewline(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("key");
        Files.writeString(f, KEY + " x\n");
        assertThat(new Secrets(Map.of("BACKUP_ENCRYPTION_KEY_FILE", f.toString())).get("BACKUP_ENCRYPTION_KEY")).contains(KEY + " x");
        assertThatThrownBy(() -> new Secrets(Map.of("BACKUP_ENCRYPTION_KEY_FILE", dir.resolve("nope").toString())).get("BACKUP_ENCRYPTION_KEY"))
                .hasMessageContaining("BACKUP_ENCRYPTION_KEY_FILE");
        assertThatThrownBy(() -> new Secrets(Map.of("BACKUP_ENCRYPTION_KEY_FILE", f.toString(), "BACKUP_ENCRYPTION_KEY", KEY)).get("BACKUP_ENCRYPTION_KEY"))
                .hasMessageContaining("only one");
    }

    @Test
    void durations() {
        assertThat(Durations.parse("x", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("x", "6h")).isEqualTo(Duration.ofHours(6));
        assertThat(Durations.parse("x", "PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("x", "45")).isEqualTo(Duration.ofSeconds(45));
        assertThatThrownBy(() -> Durations.parse("x", "0s")).hasMessageContaining("positive");
    }
}
