package org.ipfsbackup.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ipfsbackup.crypto.TestKeys.FIRST_SEGMENT_PLAIN;
import static org.ipfsbackup.crypto.TestKeys.SEGMENT_PLAIN;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/format.md is correct: a decryptor written from it alone, using only JDK primitives (no Tink, no code from
 * this package), reads what {@link BackupCipher} writes, and the test vector published there.
 */
class FormatSpecTest {

    /** The test vector in docs/format.md: key, key id, plaintext and the complete encrypted file. */
    static final String VECTOR_SECRET = "correct horse battery staple, ipfs-backup 2025";
    static final String VECTOR_PLAIN = "Hello from ipfs-backup!\n";
    /** The version-2 test vector in docs/format.md: same secret and plaintext, key id test-vector-2. */
    static final String VECTOR_V2_HEX = "49504653424b500200d001001250424b4446322d484d41432d534841323536020004000186a003001079acf1c67ab6145ee30a6836f41a24f304001b54494e4b2d4145533235362d47434d2d484b44462d5348413235360500040010000006000d746573742d766563746f722d32070020f98de5db95fd87b80db80e1a3687d1041378e0cfa20aba5a096a40ae9e3d18c908003cc4e3b93233b0634800cb6c3dee4055b20dc9fca491db65b16bfeeea1b1e0e9d34b151015a51dc25413df2b6b3b14ccb9eb0e59971f09db7230e6dd482858991b62ae3c72ed36a677cc178b72609e643ad7a959ba0825e6ea21d7806d1c9b665f5d8e1dcb518ab20e87c3dfa087e52fac02ac215a81f3a71496ab727cfc5d9ebb700ab0de92dc1b2a6f9c4e3a";
    static final String VECTOR_HEX = "49504653424b5001009101001250424b4446322d484d41432d534841323536020004000186a0030010ae868cfd7fc4831b40a561a66103fc6204001b54494e4b2d4145533235362d47434d2d484b44462d5348413235360500040010000006000d746573742d766563746f722d31070020deb514481574d5d1365e327b23c2f5198cb29953ffc515f1eef7fd00d23940a5285dc045f262ba5f286bda0177214e805d230e92d756be78e101d3419beec6e394f1b07a934de4d0d56617360ecaa377f933c16e98b6b28a1b67a0c1d36abbc72a7602f062ad7b1f0b10b2639c6126d4";

    @Test
    void specDecryptorReadsTheTestVector() throws Exception {
        byte[] file = HexFormat.of().parseHex(VECTOR_HEX);
        assertThat(new String(specDecrypt(file, VECTOR_SECRET), StandardCharsets.US_ASCII)).isEqualTo(VECTOR_PLAIN);
    }

    @Test
    void specDecryptorAndBackupCipherReadTheVersion2TestVector() throws Exception {
        byte[] file = HexFormat.of().parseHex(VECTOR_V2_HEX);
        assertThat(new String(specDecrypt(file, VECTOR_SECRET), StandardCharsets.US_ASCII)).isEqualTo(VECTOR_PLAIN);
        BackupCipher cipher = TestKeys.cipher(VECTOR_SECRET, "test-vector-2");
        assertThat(new String(TestKeys.decrypt(cipher, file), StandardCharsets.US_ASCII)).isEqualTo(VECTOR_PLAIN);
        EncryptedFileHeader header = BackupCipher.readHeader(new ByteArrayInputStream(file));
        assertThat(header.version()).isEqualTo(2);
        assertThat(header.keyId()).isEqualTo("test-vector-2");
        assertThat(header.wrappedKey()).hasSize(60);
        assertThat(header.encode()).hasSize(208).isEqualTo(Arrays.copyOf(file, 208));
    }

    @Test
    void backupCipherStillReadsTheTestVector() throws Exception {
        byte[] file = HexFormat.of().parseHex(VECTOR_HEX);
        BackupCipher cipher = TestKeys.cipher(VECTOR_SECRET, "test-vector-1");
        assertThat(new String(TestKeys.decrypt(cipher, file), StandardCharsets.US_ASCII)).isEqualTo(VECTOR_PLAIN);
        EncryptedFileHeader header = BackupCipher.readHeader(new ByteArrayInputStream(file));
        assertThat(header.version()).isEqualTo(1);
        assertThat(header.kdf()).isEqualTo("PBKDF2-HMAC-SHA256");
        assertThat(header.iterations()).isEqualTo(100_000);
        assertThat(header.aead()).isEqualTo("TINK-AES256-GCM-HKDF-SHA256");
        assertThat(header.segmentSize()).isEqualTo(1 << 20);
        assertThat(header.keyId()).isEqualTo("test-vector-1");
        assertThat(header.encode()).hasSize(145).isEqualTo(Arrays.copyOf(file, 145));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, FIRST_SEGMENT_PLAIN, FIRST_SEGMENT_PLAIN + 1, FIRST_SEGMENT_PLAIN + SEGMENT_PLAIN,
            FIRST_SEGMENT_PLAIN + SEGMENT_PLAIN + 5})
    void specDecryptorReadsWhatBackupCipherWrites(int size) throws Exception {
        byte[] plain = TestKeys.random(size, size);
        byte[] file = TestKeys.encrypt(TestKeys.cipher(), plain);
        assertThat(specDecrypt(file, TestKeys.SECRET)).isEqualTo(plain);
    }

    @Test
    void tinkReadsOurPayloadWithTheHeaderAsAssociatedData() throws Exception {
        byte[] plain = TestKeys.random(FIRST_SEGMENT_PLAIN + 77, 3);
        byte[] file = TestKeys.encrypt(TestKeys.cipher(), plain);
        HeaderCodec.Parsed parsed = HeaderCodec.read(new ByteArrayInputStream(file));
        byte[] kek = TestKeys.key().derive(parsed.header().salt(), parsed.header().iterations());
        byte[] ikm = specUnwrap(kek, parsed.header().wrappedKey());
        AesGcmHkdfStreaming tink = new AesGcmHkdfStreaming(ikm, "HmacSha256", 32, 1 << 20, 0);
        InputStream payload = new ByteArrayInputStream(file, parsed.bytes().length, file.length);
        try (InputStream in = tink.newDecryptingStream(payload, parsed.bytes())) {
            assertThat(in.readAllBytes()).isEqualTo(plain);
        }
    }

    @Test
    void weReadTinksOwnStreamBehindOurHeader() throws Exception {
        byte[] plain = TestKeys.random(FIRST_SEGMENT_PLAIN + SEGMENT_PLAIN + 9, 4);
        byte[] salt = TestKeys.random(16, 5);
        byte[] ikm = TestKeys.key().derive(salt, 10_000);
        byte[] header = new EncryptedFileHeader(1, "PBKDF2-HMAC-SHA256", 10_000, salt, "TINK-AES256-GCM-HKDF-SHA256",
                1 << 20, "k1", Kdf.keyCheck(ikm)).encode();
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(header);
        AesGcmHkdfStreaming tink = new AesGcmHkdfStreaming(ikm, "HmacSha256", 32, 1 << 20, 0);
        try (OutputStream out = tink.newEncryptingStream(file, header)) {
            out.write(plain);
        }
        assertThat(TestKeys.decrypt(TestKeys.cipher(), file.toByteArray())).isEqualTo(plain);
    }

    @Test
    void specHkdfMatchesRfc5869TestCase1() throws Exception {
        HexFormat hex = HexFormat.of();
        byte[] okm = hkdfSha256(hex.parseHex("0b".repeat(22)), hex.parseHex("000102030405060708090a0b0c"),
                hex.parseHex("f0f1f2f3f4f5f6f7f8f9"));
        assertThat(hex.formatHex(okm)).isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
    }

    @Test
    void pbkdf2MatchesRfc7914() {
        byte[] dk = Kdf.pbkdf2("passwd".getBytes(StandardCharsets.US_ASCII), "salt".getBytes(StandardCharsets.US_ASCII), 1);
        assertThat(HexFormat.of().formatHex(dk)).isEqualTo("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
        dk = Kdf.pbkdf2("Password".getBytes(StandardCharsets.US_ASCII), "NaCl".getBytes(StandardCharsets.US_ASCII), 80_000);
        assertThat(HexFormat.of().formatHex(dk)).isEqualTo("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
    }

    // ---- an independent decryptor, written from docs/format.md, JDK primitives only ----

    static byte[] specDecrypt(byte[] file, String secret) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(file); // big-endian
        byte[] magic = new byte[7];
        in.get(magic);
        assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("IPFSBKP");
        int version = in.get();
        assertThat(version).isIn(1, 2);
        int headerLength = in.getShort() & 0xFFFF;
        Map<Integer, byte[]> fields = new HashMap<>();
        while (in.position() < headerLength) {
            int tag = in.get() & 0xFF;
            byte[] value = new byte[in.getShort() & 0xFFFF];
            in.get(value);
            fields.put(tag, value);
        }
        assertThat(new String(fields.get(1), StandardCharsets.US_ASCII)).isEqualTo("PBKDF2-HMAC-SHA256");
        assertThat(new String(fields.get(4), StandardCharsets.US_ASCII)).isEqualTo("TINK-AES256-GCM-HKDF-SHA256");
        int iterations = ByteBuffer.wrap(fields.get(2)).getInt();
        int segmentSize = ByteBuffer.wrap(fields.get(5)).getInt();

        PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), fields.get(3), iterations, 256);
        byte[] kek = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        // version 1: the PBKDF2 output is the stream key; version 2: it unwraps the data key in field 08
        byte[] ikm = version == 1 ? kek : specUnwrap(kek, fields.get(8));
        assertThat(hmacSha256(ikm, "ipfs-backup key check v1".getBytes(StandardCharsets.US_ASCII)))
                .as("key check").isEqualTo(fields.get(7));

        byte[] associatedData = Arrays.copyOf(file, headerLength);
        assertThat(in.get()).as("Tink header length").isEqualTo((byte) 40);
        byte[] hkdfSalt = new byte[32];
        byte[] noncePrefix = new byte[7];
        in.get(hkdfSalt).get(noncePrefix);
        SecretKeySpec segmentKey = new SecretKeySpec(hkdfSha256(ikm, hkdfSalt, associatedData), "AES");

        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        int segmentSizeHere = segmentSize - 40; // segment 0 shares its size with Tink's header
        for (int segment = 0; ; segment++) {
            int size = Math.min(segmentSizeHere, in.remaining());
            boolean last = size == in.remaining();
            byte[] nonce = ByteBuffer.allocate(12).put(noncePrefix).putInt(segment).put((byte) (last ? 1 : 0)).array();
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, segmentKey, new GCMParameterSpec(128, nonce));
            plain.write(gcm.doFinal(file, in.position(), size));
            in.position(in.position() + size);
            segmentSizeHere = segmentSize;
            if (last) {
                return plain.toByteArray();
            }
        }
    }

    /** Field 08: nonce (12) || AES-256-GCM ciphertext and tag of the data key, associated data "ipfs-backup data key v2". */
    static byte[] specUnwrap(byte[] kek, byte[] wrapped) throws Exception {
        assertThat(wrapped).hasSize(60);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, wrapped, 0, 12));
        gcm.updateAAD("ipfs-backup data key v2".getBytes(StandardCharsets.US_ASCII));
        return gcm.doFinal(wrapped, 12, 48);
    }

    /** HKDF-SHA256 (RFC 5869) with a 32-byte output: one HMAC for extract, one for expand. */
    static byte[] hkdfSha256(byte[] ikm, byte[] salt, byte[] info) throws Exception {
        byte[] prk = hmacSha256(salt, ikm);
        byte[] infoAndCounter = Arrays.copyOf(info, info.length + 1);
        infoAndCounter[info.length] = 1;
        return hmacSha256(prk, infoAndCounter);
    }

    static byte[] hmacSha256(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }
}
