package org.ipfsbackup.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.ipfsbackup.crypto.KeyRing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keyring of retired keys: from a directory (file name = key id) and/or BACKUP_ENCRYPTION_OLD_KEYS(_FILE). */
class KeyRingConfigTest {
    static final String CURRENT = "correct-horse-battery-staple-2026-ipfs-backup";
    static final String OLD_1 = "Qe5^Ru1*Ti9(Oy2)Pa8_Sd4+Fg7=Hj3K";
    static final String OLD_2 = "9vT!q2#LmZ8r@Xw4Kp0sYb7&Nd3Fh6Jc:with:colons";

    @TempDir
    Path dir;

    static KeyRing load(Map<String, String> props, Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.put("BACKUP_ENCRYPTION_KEY", CURRENT);
        return KeyRingConfig.load(k -> Optional.ofNullable(props.get(k)), new Secrets(e), "test");
    }

    @Test
    void directoryFilesAreKeysNamedByTheirFileNameDotFilesIgnored() throws Exception {
        Files.writeString(dir.resolve("2025-q1"), OLD_1 + "\n");
        Files.createDirectories(dir.resolve("..data")); // what a Kubernetes secret volume also holds
        Files.writeString(dir.resolve(".hidden"), "x");
        KeyRing ring = load(Map.of("crypto.key-id", "2026-q1", "crypto.keyring-dir", dir.toString()), Map.of());
        assertThat(ring.current().keyId()).isEqualTo("2026-q1");
        assertThat(ring.retiredIds()).containsExactly("2025-q1");
        assertThat(ring.find("2025-q1")).isPresent();
    }

    @Test
    void oldKeysListHasOneIdColonSecretPerLine() throws Exception {
        Path file = Files.writeString(dir.resolve("old-keys"), "# retired\n\nold1:" + OLD_1 + "\nold2:" + OLD_2 + "\n");
        KeyRing ring = load(Map.of(), Map.of("BACKUP_ENCRYPTION_OLD_KEYS_FILE", file.toString()));
        assertThat(ring.current().keyId()).isEqualTo("k1");
        assertThat(ring.retiredIds()).containsExactly("old1", "old2");
        // both sources together
        Files.writeString(Files.createDirectory(dir.resolve("ring")).resolve("old3"), "Zz9!Yy8@Xx7#Ww6$Vv5%Uu4^Tt3&Ss2*");
        ring = load(Map.of("crypto.keyring-dir", dir.resolve("ring").toString()), Map.of("BACKUP_ENCRYPTION_OLD_KEYS", "old1:" + OLD_1));
        assertThat(ring.retiredIds()).containsExactly("old3", "old1");
    }

    @Test
    void everyRetiredKeyPassesTheSameStrengthRulesAndErrorsNameTheEntryNotTheSecret() throws Exception {
        Files.writeString(dir.resolve("weak"), "short-secret");
        assertThatThrownBy(() -> load(Map.of("crypto.keyring-dir", dir.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("retired key BACKUP_ENCRYPTION_KEYRING_DIR/weak is too short: 12 characters")
                .hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> load(Map.of(), Map.of("BACKUP_ENCRYPTION_OLD_KEYS", "a:" + OLD_1 + "\nb:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("retired key BACKUP_ENCRYPTION_OLD_KEYS line 2 (key id b) is too weak");
        assertThatThrownBy(() -> load(Map.of(), Map.of("BACKUP_ENCRYPTION_OLD_KEYS", OLD_2)))
                .hasMessage("BACKUP_ENCRYPTION_OLD_KEYS line 1: the key id before ':' must be 1-64 characters from A-Z a-z 0-9 . _ -");
        assertThatThrownBy(() -> load(Map.of(), Map.of("BACKUP_ENCRYPTION_OLD_KEYS", "nocolon")))
                .hasMessage("BACKUP_ENCRYPTION_OLD_KEYS line 1: expected <keyId>:<secret>");
        assertThatThrownBy(() -> load(Map.of("crypto.keyring-dir", dir.resolve("missing").toString()), Map.of()))
                .hasMessageContaining("BACKUP_ENCRYPTION_KEYRING_DIR (crypto.keyring-dir) = ").hasMessageContaining("is not a directory");
        Files.delete(dir.resolve("weak"));
        Files.writeString(dir.resolve("bad name"), OLD_1);
        assertThatThrownBy(() -> load(Map.of("crypto.keyring-dir", dir.toString()), Map.of()))
                .hasMessageContaining("BACKUP_ENCRYPTION_KEYRING_DIR/bad name: the file name is the key id");
    }

    @Test
    void rotatingTheSecretWithoutANewIdIsRefusedAtStartUp() throws Exception {
        Files.writeString(dir.resolve("k1"), OLD_1);
        assertThatThrownBy(() -> load(Map.of("crypto.keyring-dir", dir.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("a key with id k1, the id of the current key (BACKUP_ENCRYPTION_KEY_ID), but a different secret");
    }
}
