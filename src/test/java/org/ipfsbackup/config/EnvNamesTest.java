package org.ipfsbackup.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.ipfsbackup.app.AppConfig;
import org.junit.jupiter.api.Test;

/** The seed's names are read, and a name that looks like ours but is not is warned about with the closest known one. */
class EnvNamesTest {
    @Test
    void everyNameOfThePackagedPropertiesAndTheSeedsAliasesIsKnown() {
        EnvNames names = EnvNames.packaged();
        assertThat(names.known()).contains("IPFS_NODES", "IPFS_NODE_1_URL", "IPFS_NODE_2_URL", "IPFS_NODE_1", "IPFS_NODE_2",
                "BACKUP_WORK_DIR", "BACKUP_TEMP_DIR", "BACKUP_ENCRYPTION_KEY", "MONGODB_URI", "IPFS_CLUSTER_NODE_1");
        assertThat(names.unknown(Map.of("IPFS_NODE_1_URL", "x", "BACKUP_TEMP_DIR", "/t", "BACKUP_ENCRYPTION_KEY_FILE", "/k",
                "IPFS_PATH", "/p", "IPFS_GATEWAY_1", "g", "PATH", "/bin", "HOME", "/root"))).isEmpty();
    }

    @Test
    void aLookAlikeIsWarnedAboutNamingTheClosestKnownName() {
        EnvNames names = EnvNames.packaged();
        assertThat(names.unknown(Map.of("IPFS_NODE_URL", "x"))).singleElement().asString()
                .contains("IPFS_NODE_URL").contains("did you mean IPFS_NODE_1_URL?");
        assertThat(names.unknown(Map.of("BACKUP_TMP_DIR", "x"))).singleElement().asString().contains("did you mean BACKUP_TEMP_DIR?");
        assertThat(names.unknown(Map.of("MONGODB_URL", "x"))).singleElement().asString().contains("did you mean MONGODB_URI?");
        assertThat(names.unknown(Map.of("BACKUP_RETENTION_DAY", "x"))).singleElement().asString().contains("did you mean BACKUP_RETENTION_DAYS?");
        assertThat(names.unknown(Map.of("BACKUP_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "x"))).singleElement().asString()
                .doesNotContain("did you mean").contains("docs/configuration.md");
    }

    @Test
    void theSeedsNamesAreReadWhenTheNewOnesAreNotSet() {
        Map<String, String> m = new HashMap<>();
        m.put("ipfs.node-1-url", "http://127.0.0.1:5001/");
        m.put("ipfs.node-2", "http://127.0.0.1:5002");
        m.put("backup.temp-dir", "/var/tmp/seed");
        PropertySource p = k -> Optional.ofNullable(m.get(k));
        assertThat(AppConfig.kuboNodes(p)).extracting(Object::toString).containsExactly("http://127.0.0.1:5001", "http://127.0.0.1:5002");
        assertThat(AppConfig.workDir(p)).hasToString("/var/tmp/seed");
        m.put("ipfs.nodes", "http://127.0.0.1:7001");
        m.put("backup.work-dir", "/w");
        assertThat(AppConfig.kuboNodes(p)).extracting(Object::toString).containsExactly("http://127.0.0.1:7001");
        assertThat(AppConfig.workDir(p)).hasToString("/w");
        m.clear();
        assertThat(AppConfig.kuboNodes(p)).extracting(Object::toString).containsExactly("http://127.0.0.1:5001");
    }

    @Test
    void restoreParallelCollectionsDefaultsToFourAndABadValueNamesTheSetting() {
        Map<String, String> m = new HashMap<>();
        PropertySource p = k -> Optional.ofNullable(m.get(k));
        assertThat(AppConfig.restoreParallelCollections(p)).isEqualTo(4);
        m.put("restore.parallel-collections", "1");
        assertThat(AppConfig.restoreParallelCollections(p)).isEqualTo(1);
        for (String bad : new String[] {"0", "65", "four"}) {
            m.put("restore.parallel-collections", bad);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> AppConfig.restoreParallelCollections(p))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("restore.parallel-collections");
        }
    }
}
