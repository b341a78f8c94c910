package org.ipfsbackup.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ipfsbackup.crypto.DecryptionException.Reason.MALFORMED_HEADER;
import static org.ipfsbackup.crypto.DecryptionException.Reason.UNSUPPORTED;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeaderCodecTest {

    private static final byte[] SALT = TestKeys.random(16, 11);
    private static final byte[] CHECK = TestKeys.random(32, 12);

    private static EncryptedFileHeader header(String keyId) {
        return new EncryptedFileHeader(1, "PBKDF2-HMAC-SHA256", 123_456, SALT, "TINK-AES256-GCM-HKDF-SHA256",
                1 << 20, keyId, CHECK);
    }

    @Test
    void encodeThenReadRoundTrips() throws IOException {
        EncryptedFileHeader h = header("prod-2025.01");
        byte[] bytes = h.encode();

        HeaderCodec.Parsed parsed = HeaderCodec.read(new ByteArrayInputStream(bytes));

        assertThat(parsed.header()).isEqualTo(h).hasSameHashCodeAs(h);
        assertThat(parsed.bytes()).isEqualTo(bytes);
        assertThat(bytes).hasSize(132 + "prod-2025.01".length());
        assertThat(ByteBuffer.wrap(bytes, 8, 2).getShort()).isEqualTo((short) bytes.length);
    }

    @Test
    void readHeaderOfARealFileStopsRightAfterTheHeader() throws IOException {
        byte[] file = TestKeys.encrypt(TestKeys.cipher(TestKeys.SECRET, "k7"), "abc".getBytes());
        InputStream in = new ByteArrayInputStream(file);

        EncryptedFileHeader h = BackupCipher.readHeader(in);

        assertThat(h.keyId()).isEqualTo("k7");
        assertThat(h.iterations()).isEqualTo(BackupCipher.MIN_KDF_ITERATIONS);
        assertThat(h.segmentSize()).isEqualTo(BackupCipher.SEGMENT_SIZE);
        assertThat(h.salt()).hasSize(16);
        assertThat(in.read()).as("first byte of Tink's stream header: its length").isEqualTo(40);
    }

    @Test
    void recordIsImmutableAndPrintable() {
        EncryptedFileHeader h = header("k1");
        h.salt()[0] ^= 1;
        assertThat(h.salt()).isEqualTo(SALT);
        assertThat(h).isNotEqualTo(header("k2"));
        assertThat(h.toString()).contains("iterations=123456", "keyId=k1", java.util.HexFormat.of().formatHex(SALT));
    }

    @Test
    void fieldsOutOfOrderAreRejected() {
        byte[] bytes = new HeaderBuilder().field(2, int4(100_000)).field(1, ascii("PBKDF2-HMAC-SHA256")).build();
        assertRejected(bytes, MALFORMED_HEADER, "expected field 1, found field 2");
    }

    @Test
    void missingAndExtraFieldsAreRejected() {
        assertRejected(validFields().build(), MALFORMED_HEADER, "field 7 missing"); // no key check
        assertRejected(validFields().field(7, CHECK).field(8, new byte[40]).build(), MALFORMED_HEADER,
                "unexpected data after the last field (tag 8)");
    }

    @Test
    void fieldRunningPastTheHeaderIsRejected() {
        byte[] bytes = validFields().field(7, CHECK).build();
        bytes[bytes.length - 33] = 0x7F; // key check length high byte
        assertRejected(bytes, MALFORMED_HEADER, "field 7 has length");
    }

    @Test
    void headerLengthSmallerThanFixedPartIsRejected() {
        byte[] bytes = validFields().field(7, CHECK).build();
        bytes[8] = 0;
        bytes[9] = 5;
        assertRejected(bytes, MALFORMED_HEADER, "header length 5");
    }

    @Test
    void outOfRangeValuesAreRejected() {
        assertRejected(with(2, int4(0)), MALFORMED_HEADER, "KDF iterations 0");
        assertRejected(with(2, int4(-1)), MALFORMED_HEADER, "KDF iterations 4294967295");
        assertRejected(with(5, int4(100)), MALFORMED_HEADER, "segment size 100");
        assertRejected(with(6, ascii("bad id")), MALFORMED_HEADER, "invalid key id 'bad id'");
        assertRejected(with(3, new byte[15]), MALFORMED_HEADER, "field 3 has length 15, expected 16");
    }

    @Test
    void unknownAlgorithmsAreUnsupported() {
        assertRejected(with(1, ascii("ARGON2ID")), UNSUPPORTED, "unsupported key derivation function 'ARGON2ID'");
        assertRejected(with(4, new byte[] {'X', (byte) 0xC3, 0x0A}), UNSUPPORTED, "unsupported cipher 'X??'");
    }

    private static void assertRejected(byte[] header, DecryptionException.Reason reason, String message) {
        assertThatThrownBy(() -> HeaderCodec.read(new ByteArrayInputStream(header)))
                .isInstanceOf(DecryptionException.class)
                .hasFieldOrPropertyWithValue("reason", reason)
                .hasMessageContaining(message);
    }

    /** A valid header with field {@code tag} replaced by {@code value}. */
    private static byte[] with(int tag, byte[] value) {
        byte[][] values = {null, ascii("PBKDF2-HMAC-SHA256"), int4(100_000), SALT, ascii("TINK-AES256-GCM-HKDF-SHA256"),
                int4(1 << 20), ascii("k1"), CHECK};
        values[tag] = value;
        HeaderBuilder b = new HeaderBuilder();
        for (int t = 1; t <= 7; t++) {
            b.field(t, values[t]);
        }
        return b.build();
    }

    private static HeaderBuilder validFields() {
        return new HeaderBuilder().field(1, ascii("PBKDF2-HMAC-SHA256")).field(2, int4(100_000)).field(3, SALT)
                .field(4, ascii("TINK-AES256-GCM-HKDF-SHA256")).field(5, int4(1 << 20)).field(6, ascii("k1"));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] int4(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    /** Writes headers by hand, independently of {@link HeaderCodec#encode}. */
    private static final class HeaderBuilder {
        private final ByteArrayOutputStream fields = new ByteArrayOutputStream();

        HeaderBuilder field(int tag, byte[] value) {
            fields.write(tag);
            fields.write(value.length >> 8);
            fields.write(value.length);
            fields.writeBytes(value);
            return this;
        }

        byte[] build() {
            int length = 10 + fields.size();
            return ByteBuffer.allocate(length).put(ascii("IPFSBKP")).put((byte) 1).putShort((short) length)
                    .put(fields.toByteArray()).array();
        }
    }
}
