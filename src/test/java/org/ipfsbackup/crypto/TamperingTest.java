package org.ipfsbackup.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ipfsbackup.crypto.DecryptionException.Reason.AUTHENTICATION_FAILED;
import static org.ipfsbackup.crypto.DecryptionException.Reason.MALFORMED_HEADER;
import static org.ipfsbackup.crypto.DecryptionException.Reason.NOT_ENCRYPTED;
import static org.ipfsbackup.crypto.DecryptionException.Reason.TRUNCATED;
import static org.ipfsbackup.crypto.DecryptionException.Reason.UNSUPPORTED;
import static org.ipfsbackup.crypto.DecryptionException.Reason.WRONG_KEY;
import static org.ipfsbackup.crypto.TestKeys.FIRST_SEGMENT_PLAIN;
import static org.ipfsbackup.crypto.TestKeys.SEGMENT_PLAIN;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every modification of an encrypted file must fail decryption, with a useful reason, leaving no plaintext. */
class TamperingTest {

    /** Header of a file written by {@link TestKeys#cipher()}: magic, version 2, length, then fields 01-08. */
    private static final int HEADER = 197;
    private static final int STREAM_HEADER = 40;
    /** Segments 0, 1, 2 full, segment 3 holds 1000 bytes. */
    private static final byte[] PLAIN = TestKeys.random(FIRST_SEGMENT_PLAIN + 2 * SEGMENT_PLAIN + 1000, 1);
    private static byte[] encrypted;

    @TempDir
    Path dir;

    @BeforeAll
    static void encryptOnce() throws IOException {
        encrypted = TestKeys.encrypt(TestKeys.cipher(), PLAIN);
    }

    static Stream<Arguments> flips() {
        int firstSegment = HEADER + STREAM_HEADER;
        return Stream.of(
                Arguments.of("magic", 0, NOT_ENCRYPTED),
                Arguments.of("version", 7, UNSUPPORTED),
                Arguments.of("header length", 9, MALFORMED_HEADER),
                Arguments.of("KDF name", 13, UNSUPPORTED),
                Arguments.of("iterations (low byte)", 37, WRONG_KEY),
                Arguments.of("iterations (high byte, out of range)", 34, MALFORMED_HEADER),
                Arguments.of("salt length", 40, MALFORMED_HEADER),
                Arguments.of("salt", 45, WRONG_KEY),
                Arguments.of("AEAD name", 60, UNSUPPORTED),
                Arguments.of("segment size (high byte, out of range)", 90, MALFORMED_HEADER),
                Arguments.of("segment size (low byte)", 93, AUTHENTICATION_FAILED),
                Arguments.of("key id (k1 -> j1, still valid)", 97, AUTHENTICATION_FAILED),
                Arguments.of("key check (the wrapped key unwraps, but is not the header's)", 120, AUTHENTICATION_FAILED),
                Arguments.of("wrapped key tag", 134, MALFORMED_HEADER),
                Arguments.of("wrapped key nonce", 140, WRONG_KEY),
                Arguments.of("wrapped data key", 160, WRONG_KEY),
                Arguments.of("wrapped key GCM tag", 196, WRONG_KEY),
                Arguments.of("stream header length byte", HEADER, MALFORMED_HEADER),
                Arguments.of("stream HKDF salt", HEADER + 5, AUTHENTICATION_FAILED),
                Arguments.of("stream nonce prefix", HEADER + 39, AUTHENTICATION_FAILED),
                Arguments.of("first segment", firstSegment + 100, AUTHENTICATION_FAILED),
                Arguments.of("first segment tag", firstSegment + FIRST_SEGMENT_PLAIN + 15, AUTHENTICATION_FAILED),
                Arguments.of("middle", encryptedLength() / 2, AUTHENTICATION_FAILED),
                Arguments.of("last byte", encryptedLength() - 1, AUTHENTICATION_FAILED));
    }

    private static int encryptedLength() {
        return HEADER + STREAM_HEADER + PLAIN.length + 4 * BackupCipher.TAG_BYTES;
    }

    @Test
    void fixtureHasTheExpectedLayout() throws IOException {
        assertThat(encrypted).hasSize(encryptedLength());
        assertThat(HeaderCodec.read(new ByteArrayInputStream(encrypted)).bytes()).hasSize(HEADER);
        assertThat(encrypted[97]).isEqualTo((byte) 'k');
    }

    @ParameterizedTest(name = "flip {0} (offset {1})")
    @MethodSource("flips")
    void anyFlippedByteFailsAndLeavesNoOutput(String what, int offset, DecryptionException.Reason reason)
            throws IOException {
        byte[] tampered = encrypted.clone();
        tampered[offset] ^= 0x01;

        assertFailsLeavingNothing(tampered, reason);
    }

    @Test
    void droppingTheLastByteFails() throws IOException {
        assertFailsLeavingNothing(Arrays.copyOf(encrypted, encrypted.length - 1), AUTHENTICATION_FAILED);
    }

    @Test
    void droppingTheLastSegmentIsReportedAsTruncation() throws IOException {
        DecryptionException e = assertFailsLeavingNothing(
                Arrays.copyOf(encrypted, encrypted.length - 1000 - BackupCipher.TAG_BYTES), TRUNCATED);
        assertThat(e).hasMessage("truncated: file ends before its last segment (segment 2 is intact but not the final one)");
    }

    @Test
    void droppingEverythingAfterTheHeadersIsReportedAsTruncation() throws IOException {
        assertFailsLeavingNothing(Arrays.copyOf(encrypted, HEADER + STREAM_HEADER), TRUNCATED);
        assertFailsLeavingNothing(Arrays.copyOf(encrypted, HEADER + 10), TRUNCATED);
        assertFailsLeavingNothing(Arrays.copyOf(encrypted, 50), TRUNCATED);
        assertFailsLeavingNothing(Arrays.copyOf(encrypted, 3), TRUNCATED);
    }

    @Test
    void appendedBytesFail() throws IOException {
        assertFailsLeavingNothing(Arrays.copyOf(encrypted, encrypted.length + 1), AUTHENTICATION_FAILED);
    }

    @Test
    void swappedSegmentsFail() throws IOException {
        byte[] swapped = encrypted.clone();
        int seg1 = HEADER + BackupCipher.SEGMENT_SIZE;
        int seg2 = seg1 + BackupCipher.SEGMENT_SIZE;
        System.arraycopy(encrypted, seg1, swapped, seg2, BackupCipher.SEGMENT_SIZE);
        System.arraycopy(encrypted, seg2, swapped, seg1, BackupCipher.SEGMENT_SIZE);
        DecryptionException e = assertFailsLeavingNothing(swapped, AUTHENTICATION_FAILED);
        assertThat(e).hasMessageContaining("segment 1");
    }

    @Test
    void wrongKeyIsNamedAsSuch() throws IOException {
        Path in = write(encrypted);
        BackupCipher other = TestKeys.cipher(TestKeys.OTHER_SECRET, null);
        assertThatThrownBy(() -> other.decrypt(in, dir.resolve("out")))
                .isInstanceOf(DecryptionException.class)
                .hasFieldOrPropertyWithValue("reason", WRONG_KEY)
                .hasMessageStartingWith("wrong key: this file's data key is wrapped under key id k1, and the configured key with that id"
                        + " does not unwrap it");

        BackupCipher otherId = TestKeys.cipher(TestKeys.OTHER_SECRET, "k2");
        assertThatThrownBy(() -> otherId.decrypt(in, dir.resolve("out")))
                .hasMessageStartingWith("wrong key: this file's data key is wrapped under key id k1, which is neither the configured key"
                        + " (k2) nor in the keyring (empty): add the retired key k1 to the keyring");
        assertThat(dir).isDirectoryNotContaining(p -> !p.equals(in));
    }

    @Test
    void wrongKeyFailsWhenTheStreamIsOpened() {
        BackupCipher other = TestKeys.cipher(TestKeys.OTHER_SECRET, null);
        assertThatThrownBy(() -> other.decryptingStream(new ByteArrayInputStream(encrypted)))
                .isInstanceOf(DecryptionException.class).hasFieldOrPropertyWithValue("reason", WRONG_KEY);
    }

    @Test
    void keysDifferingOnlyAfterCharacter64AreDifferentKeys() throws IOException {
        String base = (TestKeys.SECRET + TestKeys.OTHER_SECRET + TestKeys.SECRET).substring(0, 90);
        BackupCipher a = TestKeys.cipher(base + "A", null);
        BackupCipher b = TestKeys.cipher(base + "B", null);
        byte[] enc = TestKeys.encrypt(a, "secret data".getBytes());

        assertThat(TestKeys.decrypt(a, enc)).isEqualTo("secret data".getBytes());
        assertThatThrownBy(() -> TestKeys.decrypt(b, enc)).hasFieldOrPropertyWithValue("reason", WRONG_KEY);
    }

    @Test
    void badMagicAndForeignFiles() throws IOException {
        assertFailsLeavingNothing(new byte[0], NOT_ENCRYPTED);
        assertFailsLeavingNothing(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0}, NOT_ENCRYPTED);
        DecryptionException e = assertFailsLeavingNothing("PK\3\4 a zip file, not ours".getBytes(), NOT_ENCRYPTED);
        assertThat(e).hasMessage("not an ipfs-backup encrypted file (bad magic)");
    }

    @Test
    void unsupportedVersionIsNamed() throws IOException {
        byte[] v3 = encrypted.clone();
        v3[7] = 3;
        assertThat(assertFailsLeavingNothing(v3, UNSUPPORTED)).hasMessageStartingWith("unsupported format version 3");
        byte[] v1 = encrypted.clone();
        v1[7] = 1; // a version-1 reader stops where version 2's field 08 starts
        assertThat(assertFailsLeavingNothing(v1, MALFORMED_HEADER)).hasMessageContaining("unexpected data after the last field (tag 8)");
    }

    @Test
    void decryptingStreamFailsStickilyAndNeverReleasesUnauthenticatedData() throws IOException {
        byte[] tampered = encrypted.clone();
        tampered[tampered.length - 1] ^= 0x01;
        InputStream in = TestKeys.cipher().decryptingStream(new ByteArrayInputStream(tampered));
        ByteArrayOutputStream released = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];

        assertThatThrownBy(() -> {
            for (int n; (n = in.read(buf)) >= 0; ) {
                released.write(buf, 0, n);
            }
        }).isInstanceOf(DecryptionException.class);

        // only the three authenticated segments came out, never the tampered final one
        assertThat(released.size()).isEqualTo(FIRST_SEGMENT_PLAIN + 2 * SEGMENT_PLAIN);
        assertThatThrownBy(in::read).isInstanceOf(DecryptionException.class);
    }

    @Test
    void abortedEncryptionNeverDecryptsAsComplete() throws IOException {
        for (int written : new int[] {0, 100, FIRST_SEGMENT_PLAIN + SEGMENT_PLAIN + 5}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            EncryptingOutputStream enc = TestKeys.cipher().encryptingStream(out);
            enc.write(TestKeys.random(written, written));
            enc.abort();
            enc.close();

            assertThatThrownBy(() -> TestKeys.decrypt(TestKeys.cipher(), out.toByteArray()))
                    .isInstanceOf(DecryptionException.class)
                    .hasFieldOrPropertyWithValue("reason", TRUNCATED);
        }
    }

    private DecryptionException assertFailsLeavingNothing(byte[] file, DecryptionException.Reason reason)
            throws IOException {
        Path in = write(file);
        Path out = dir.resolve("restored");
        DecryptionException e = (DecryptionException) org.assertj.core.api.Assertions.catchThrowable(
                () -> TestKeys.cipher().decrypt(in, out));
        assertThat(e).as("decrypting must fail").isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        assertThat(e.getMessage()).isNotBlank();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("no plaintext or temp file left").containsExactly(in);
        }
        return e;
    }

    private Path write(byte[] file) throws IOException {
        return Files.write(dir.resolve("input.enc"), file);
    }
}
