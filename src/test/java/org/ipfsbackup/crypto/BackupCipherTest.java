package org.ipfsbackup.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ipfsbackup.crypto.TestKeys.FIRST_SEGMENT_PLAIN;
import static org.ipfsbackup.crypto.TestKeys.SEGMENT_PLAIN;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackupCipherTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, FIRST_SEGMENT_PLAIN - 1, FIRST_SEGMENT_PLAIN, FIRST_SEGMENT_PLAIN + 1,
            FIRST_SEGMENT_PLAIN + 2 * SEGMENT_PLAIN, FIRST_SEGMENT_PLAIN + 2 * SEGMENT_PLAIN + 7})
    void filesRoundTrip(int size) throws IOException {
        byte[] plain = TestKeys.random(size, size);
        Path in = Files.write(dir.resolve("plain"), plain);
        BackupCipher cipher = TestKeys.cipher();

        EncryptResult enc = cipher.encrypt(in, dir.resolve("enc"));
        DecryptResult dec = cipher.decrypt(dir.resolve("enc"), dir.resolve("out"));

        byte[] encrypted = Files.readAllBytes(dir.resolve("enc"));
        assertThat(enc.plainBytes()).isEqualTo(size);
        assertThat(enc.encryptedBytes()).isEqualTo(encrypted.length);
        assertThat(enc.sha256()).isEqualTo(sha256(encrypted));
        assertThat(dec).isEqualTo(new DecryptResult(encrypted.length, size, "k1"));
        assertThat(Files.readAllBytes(dir.resolve("out"))).isEqualTo(plain);
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".part"));
    }

    @Test
    void aKeyDerivedAheadIsTheOneTheDecryptionUsesAndAnUnknownKeyIdThrowsNothing() throws IOException {
        byte[] plain = TestKeys.random(FIRST_SEGMENT_PLAIN + 10, 3);
        Path in = Files.write(dir.resolve("a"), plain);
        WrappedKey dataKey = TestKeys.cipher().encrypt(in, dir.resolve("a.enc")).dataKey();
        BackupCipher restoring = TestKeys.cipher(); // a new process: nothing derived yet
        assertThat(restoring.derivedKeys()).isZero();

        restoring.deriveAhead(dataKey);
        assertThat(restoring.derivedKeys()).isEqualTo(1);
        try (InputStream dec = restoring.decryptingStream(Files.newInputStream(dir.resolve("a.enc")), dataKey)) {
            assertThat(dec.readAllBytes()).isEqualTo(plain);
        }
        assertThat(restoring.derivedKeys()).as("the decryption derived nothing more").isEqualTo(1);

        restoring.deriveAhead(new WrappedKey("no-such-key", dataKey.iterations(), dataKey.salt(), dataKey.wrapped()));
    }

    @Test
    void encryptedSizeIsHeaderPlusSixteenBytesPerSegment() throws IOException {
        byte[] encrypted = TestKeys.encrypt(TestKeys.cipher(), new byte[FIRST_SEGMENT_PLAIN + SEGMENT_PLAIN + 5]);
        int header = HeaderCodec.read(new ByteArrayInputStream(encrypted)).bytes().length;
        assertThat(header).isEqualTo(197);
        // our header + Tink header (40) + 3 segments each with a 16-byte tag
        assertThat(encrypted).hasSize(header + 40 + FIRST_SEGMENT_PLAIN + SEGMENT_PLAIN + 5 + 3 * 16);
    }

    @Test
    void randomFiveMegabyteFileRoundTripsWithEqualSha256() throws IOException {
        byte[] plain = TestKeys.random(5_000_000, 42);
        Path in = Files.write(dir.resolve("dump.archive"), plain);
        BackupCipher cipher = new BackupCipher(TestKeys.key(), BackupCipher.DEFAULT_KDF_ITERATIONS);

        cipher.encrypt(in, dir.resolve("dump.archive.enc"));
        cipher.decrypt(dir.resolve("dump.archive.enc"), dir.resolve("restored"));

        assertThat(sha256(Files.readAllBytes(dir.resolve("restored")))).isEqualTo(sha256(plain));
        assertThat(BackupCipher.readHeader(Files.newInputStream(dir.resolve("dump.archive.enc"))).iterations())
                .isEqualTo(100_000);
    }

    @Test
    void streamsRoundTripWithSmallAndOddWrites() throws IOException {
        byte[] plain = TestKeys.random(FIRST_SEGMENT_PLAIN + SEGMENT_PLAIN + 3, 7);
        BackupCipher cipher = TestKeys.cipher();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (EncryptingOutputStream enc = cipher.encryptingStream(out)) {
            enc.write(plain[0]);
            int pos = 1;
            for (int chunk = 1; pos < plain.length; chunk = chunk * 3 + 1) {
                int n = Math.min(chunk, plain.length - pos);
                enc.write(plain, pos, n);
                pos += n;
            }
        }
        try (InputStream dec = cipher.decryptingStream(new ByteArrayInputStream(out.toByteArray()))) {
            assertThat(dec.read()).isEqualTo(plain[0] & 0xFF);
            assertThat(dec.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(plain, 1, plain.length));
            assertThat(dec.read()).isEqualTo(-1);
        }
    }

    @Test
    void eachFileGetsFreshDataKeyAndNonceWhileOneProcessSharesItsPbkdf2Salt() throws IOException {
        BackupCipher cipher = TestKeys.cipher();
        byte[] a = TestKeys.encrypt(cipher, "same".getBytes(StandardCharsets.US_ASCII));
        byte[] b = TestKeys.encrypt(cipher, "same".getBytes(StandardCharsets.US_ASCII));
        assertThat(a).isNotEqualTo(b);
        EncryptedFileHeader ha = BackupCipher.readHeader(new ByteArrayInputStream(a));
        EncryptedFileHeader hb = BackupCipher.readHeader(new ByteArrayInputStream(b));
        // a fresh random data key per file (key check and wrapped key differ) ...
        assertThat(ha.keyCheck()).isNotEqualTo(hb.keyCheck());
        assertThat(ha.wrappedKey()).isNotEqualTo(hb.wrappedKey());
        // ... wrapped under one key-encryption key per process: one PBKDF2 per run, not per file
        assertThat(ha.salt()).isEqualTo(hb.salt());
        assertThat(BackupCipher.readHeader(new ByteArrayInputStream(TestKeys.encrypt(TestKeys.cipher(), new byte[1]))).salt())
                .isNotEqualTo(ha.salt());
    }

    @Test
    void ciphertextRevealsNeitherGzipMagicNorPlaintext() throws IOException {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        plain.write(new byte[] {0x1f, (byte) 0x8b, 8, 0});
        for (int i = 0; i < 50_000; i++) {
            plain.writeBytes("PLAINTEXT-MARKER-4711 {\"_id\": 1}\n".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] encrypted = TestKeys.encrypt(TestKeys.cipher(), plain.toByteArray());

        assertThat(new String(encrypted, 0, 7, StandardCharsets.US_ASCII)).isEqualTo("IPFSBKP");
        assertThat(encrypted[0]).isNotEqualTo((byte) 0x1f);
        assertThat(indexOf(encrypted, "PLAINTEXT-MARKER".getBytes(StandardCharsets.US_ASCII))).isEqualTo(-1);
        assertThat(indexOf(encrypted, "{\"_id\": 1}".getBytes(StandardCharsets.US_ASCII))).isEqualTo(-1);
    }

    @Test
    void decryptionUsesIterationsFromTheFileNotTheConfiguration() throws IOException {
        byte[] encrypted = TestKeys.encrypt(TestKeys.cipher(), "x".getBytes(StandardCharsets.US_ASCII));
        BackupCipher reconfigured = new BackupCipher(TestKeys.key(), 20_000);
        assertThat(TestKeys.decrypt(reconfigured, encrypted)).containsExactly('x');
    }

    @Test
    void keyIdIsALabelTheKeyCheckDecides() throws IOException {
        Path in = Files.writeString(dir.resolve("p"), "labelled");
        TestKeys.cipher(TestKeys.SECRET, "old-name").encrypt(in, dir.resolve("e"));

        DecryptResult result = TestKeys.cipher(TestKeys.SECRET, "new-name").decrypt(dir.resolve("e"), dir.resolve("o"));

        assertThat(result.keyId()).isEqualTo("old-name");
        assertThat(Files.readString(dir.resolve("o"))).isEqualTo("labelled");
    }

    @Test
    void decryptReplacesAnExistingTargetOnlyOnSuccess() throws IOException {
        Path in = Files.writeString(dir.resolve("p"), "new content");
        BackupCipher cipher = TestKeys.cipher();
        cipher.encrypt(in, dir.resolve("e"));
        Path out = Files.writeString(dir.resolve("o"), "old content");

        cipher.decrypt(dir.resolve("e"), out);

        assertThat(out).hasContent("new content");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 9_999, -5})
    void tooFewIterationsAreRejected(int iterations) {
        assertThatThrownBy(() -> new BackupCipher(TestKeys.key(), iterations))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ENCRYPTION_KEY_DERIVATION_ITERATIONS")
                .hasMessageContaining("10000");
    }

    @Test
    void absurdIterationsAreRejected() {
        assertThatThrownBy(() -> new BackupCipher(TestKeys.key(), 10_000_001))
                .hasMessageContaining("ENCRYPTION_KEY_DERIVATION_ITERATIONS");
    }

    @Test
    void encryptingStreamRejectsUseAfterCloseAndClosesIdempotently() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EncryptingOutputStream enc = TestKeys.cipher().encryptingStream(out);
        enc.write(1);
        enc.close();
        int size = out.size();
        enc.close();
        assertThat(out.size()).isEqualTo(size);
        assertThatThrownBy(() -> enc.write(2)).isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
