package org.ipfsbackup.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class EncryptionKeyTest {

    @ParameterizedTest
    @NullAndEmptySource
    void missingSecretIsRejected(String secret) {
        assertThatThrownBy(() -> EncryptionKey.fromSecret(secret, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BACKUP_ENCRYPTION_KEY")
                .hasMessageContaining("not set");
    }

    @Test
    void shortSecretIsRejected() {
        assertThatThrownBy(() -> EncryptionKey.fromSecret(TestKeys.SECRET.substring(0, 31), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BACKUP_ENCRYPTION_KEY")
                .hasMessageContaining("too short: 31 characters, at least 32");
        assertThat(EncryptionKey.fromSecret(TestKeys.SECRET.substring(0, 32), null).keyId()).isEqualTo("k1");
    }

    @Test
    void lowEntropySecretIsRejected() {
        String nineDistinct = "abcdefghi".repeat(4);
        assertThatThrownBy(() -> EncryptionKey.fromSecret(nineDistinct, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BACKUP_ENCRYPTION_KEY")
                .hasMessageContaining("only 9 distinct characters");
        assertThat(EncryptionKey.fromSecret("abcdefghij".repeat(4), null)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "\n", "\t", "\r\n"})
    void surroundingWhitespaceIsRejectedNotTrimmed(String ws) {
        for (String secret : new String[] {ws + TestKeys.SECRET, TestKeys.SECRET + ws}) {
            assertThatThrownBy(() -> EncryptionKey.fromSecret(secret, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("BACKUP_ENCRYPTION_KEY")
                    .hasMessageContaining("leading or trailing whitespace");
        }
    }

    @Test
    void nonAsciiAndControlCharactersAreRejected() {
        assertThatThrownBy(() -> EncryptionKey.fromSecret(TestKeys.SECRET + "ä", null))
                .hasMessageContaining("printable ASCII").hasMessageContaining("position 33");
        assertThatThrownBy(() -> EncryptionKey.fromSecret("ab\u0000" + TestKeys.SECRET, null))
                .hasMessageContaining("printable ASCII");
        assertThat(EncryptionKey.fromSecret("inner spaces are fine " + TestKeys.SECRET, null)).isNotNull();
    }

    @Test
    void overLongSecretIsRejectedNotTruncated() {
        String max = (TestKeys.SECRET + TestKeys.OTHER_SECRET).repeat(16);
        assertThat(max).hasSize(EncryptionKey.MAX_LENGTH);
        assertThat(EncryptionKey.fromSecret(max, null)).isNotNull();
        assertThatThrownBy(() -> EncryptionKey.fromSecret(max + "x", null))
                .hasMessageContaining("BACKUP_ENCRYPTION_KEY is too long").hasMessageContaining("never truncated");
    }

    @Test
    void messagesAndToStringNeverContainTheSecret() {
        EncryptionKey key = TestKeys.key();
        assertThat(key.toString()).doesNotContain(TestKeys.SECRET).contains("k1").contains("redacted");
        for (String bad : new String[] {TestKeys.SECRET.substring(0, 20), "abcdefgh".repeat(5), TestKeys.SECRET + "\n"}) {
            assertThatThrownBy(() -> EncryptionKey.fromSecret(bad, null))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(bad.strip()));
        }
    }

    @Test
    void keyIdDefaultsAndIsValidated() {
        assertThat(EncryptionKey.fromSecret(TestKeys.SECRET, null).keyId()).isEqualTo("k1");
        assertThat(EncryptionKey.fromSecret(TestKeys.SECRET, "  ").keyId()).isEqualTo("k1");
        assertThat(EncryptionKey.fromSecret(TestKeys.SECRET, "prod-2025.01_a").keyId()).isEqualTo("prod-2025.01_a");
        assertThat(EncryptionKey.fromSecret(TestKeys.SECRET, "x".repeat(64)).keyId()).hasSize(64);
        for (String bad : new String[] {"x".repeat(65), "has space", "slash/", "ü", " k2"}) {
            assertThatThrownBy(() -> EncryptionKey.fromSecret(TestKeys.SECRET, bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key id");
        }
    }

    @Test
    void wipedKeyCannotBeUsed() throws Exception {
        EncryptionKey key = TestKeys.key();
        BackupCipher cipher = new BackupCipher(key, BackupCipher.MIN_KDF_ITERATIONS);
        key.wipe();
        assertThat(key.isWiped()).isTrue();
        assertThatThrownBy(() -> cipher.encryptingStream(new java.io.ByteArrayOutputStream()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("wiped");
        assertThatThrownBy(() -> new BackupCipher(key, BackupCipher.DEFAULT_KDF_ITERATIONS))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
