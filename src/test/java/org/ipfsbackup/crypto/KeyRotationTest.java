package org.ipfsbackup.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data keys wrapped under master keys, the keyring, re-wrapping (rekey) and files written before format 2. */
class KeyRotationTest {
    static final String A = TestKeys.SECRET;
    static final String B = TestKeys.OTHER_SECRET;
    static final String C = "Zz9!Yy8@Xx7#Ww6$Vv5%Uu4^Tt3&Ss2*";

    @TempDir
    Path dir;

    static EncryptionKey key(String secret, String id) {
        return EncryptionKey.fromSecret(secret, id);
    }

    static BackupCipher cipher(EncryptionKey current, EncryptionKey... retired) {
        return new BackupCipher(new KeyRing(current, List.of(retired)), BackupCipher.MIN_KDF_ITERATIONS);
    }

    static byte[] encrypt(BackupCipher c, byte[] plain, WrappedKey[] dataKey) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (EncryptingOutputStream enc = c.encryptingStream(out)) {
            dataKey[0] = enc.dataKey();
            enc.write(plain);
        }
        return out.toByteArray();
    }

    static byte[] decrypt(BackupCipher c, byte[] file, WrappedKey manifestKey) throws IOException {
        try (InputStream in = c.decryptingStream(new ByteArrayInputStream(file), manifestKey)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theHeaderCarriesTheWrappedDataKeyThatTheEncryptResultReports() throws IOException {
        Path plain = Files.write(dir.resolve("p"), TestKeys.random(5000, 1));
        EncryptResult r = cipher(key(A, "a")).encrypt(plain, dir.resolve("e"));
        EncryptedFileHeader h = BackupCipher.readHeader(Files.newInputStream(dir.resolve("e")));
        assertThat(h.version()).isEqualTo(2);
        assertThat(h.dataKey()).contains(r.dataKey());
        assertThat(r.dataKey().keyId()).isEqualTo("a");
        assertThat(WrappedKey.parse(r.dataKey().encode())).isEqualTo(r.dataKey());
        // the encoded form shows no key material beyond the wrapped (encrypted) data key
        assertThat(r.dataKey().toString()).doesNotContain(r.dataKey().encode().split(":")[4]);
    }

    @Test
    void rotateThenRestoreOldAndNewFilesThenRetireTheOldKey() throws IOException {
        byte[] oldPlain = TestKeys.random(TestKeys.FIRST_SEGMENT_PLAIN + 10, 2);
        byte[] newPlain = TestKeys.random(777, 3);
        WrappedKey[] oldKey = new WrappedKey[1];
        WrappedKey[] newKey = new WrappedKey[1];
        byte[] oldFile = encrypt(cipher(key(A, "a")), oldPlain, oldKey);

        // rotate: B is current, A retired in the keyring
        BackupCipher rotated = cipher(key(B, "b"), key(A, "a"));
        byte[] newFile = encrypt(rotated, newPlain, newKey);
        assertThat(newKey[0].keyId()).isEqualTo("b");
        assertThat(decrypt(rotated, oldFile, null)).isEqualTo(oldPlain);
        assertThat(decrypt(rotated, newFile, null)).isEqualTo(newPlain);

        // rekey: the old data key re-wrapped under B; an already current one is returned as it is
        WrappedKey rewrapped = rotated.rewrap(oldKey[0]);
        assertThat(rewrapped.keyId()).isEqualTo("b");
        assertThat(rotated.isUnderCurrentKey(rewrapped)).isTrue();
        assertThat(rotated.isUnderCurrentKey(oldKey[0])).isFalse();
        assertThat(rotated.rewrap(newKey[0])).isSameAs(newKey[0]);

        // A removed: the old file opens with the manifest's re-wrapped key, bytes equal
        BackupCipher onlyB = cipher(key(B, "b"));
        assertThat(decrypt(onlyB, oldFile, rewrapped)).isEqualTo(oldPlain);
        assertThat(decrypt(onlyB, newFile, newKey[0])).isEqualTo(newPlain);
        // without it (an entry not rekeyed) the error names the missing key id
        assertThatThrownBy(() -> decrypt(onlyB, oldFile, null)).isInstanceOf(DecryptionException.class)
                .hasFieldOrPropertyWithValue("reason", DecryptionException.Reason.WRONG_KEY)
                .hasMessageContaining("key id a, which is neither the configured key (b) nor in the keyring (empty)")
                .hasMessageContaining("add the retired key a to the keyring");
        assertThatThrownBy(() -> decrypt(onlyB, oldFile, oldKey[0])).isInstanceOf(DecryptionException.class)
                .hasMessageContaining("the manifest's data key is wrapped under key id a")
                .hasMessageContaining("this file's data key is wrapped under key id a");
        assertThatThrownBy(() -> onlyB.rewrap(oldKey[0])).isInstanceOf(DecryptionException.class)
                .hasMessageContaining("key id a, which is neither");
    }

    @Test
    void theManifestKeyIsTriedFirstAndTheHeaderIsTheFallback() throws IOException {
        BackupCipher c = cipher(key(A, "a"));
        WrappedKey[] k1 = new WrappedKey[1];
        WrappedKey[] k2 = new WrappedKey[1];
        byte[] f1 = encrypt(c, "one".getBytes(StandardCharsets.US_ASCII), k1);
        encrypt(c, "two".getBytes(StandardCharsets.US_ASCII), k2);
        // another file's data key (a mixed-up manifest entry) is recognised by the key check: the header's key is used
        assertThat(decrypt(c, f1, k2[0])).isEqualTo("one".getBytes(StandardCharsets.US_ASCII));
        // and with a manifest key whose master key is unknown, the header still works
        BackupCipher rotatedLater = cipher(key(B, "b"));
        WrappedKey underB = cipher(key(B, "b"), key(A, "a")).rewrap(k1[0]);
        assertThat(decrypt(rotatedLater, f1, underB)).isEqualTo("one".getBytes(StandardCharsets.US_ASCII));
        // an altered manifest key: the header decides
        byte[] w = k1[0].wrapped();
        w[20] ^= 1;
        assertThat(decrypt(c, f1, new WrappedKey("a", k1[0].iterations(), k1[0].salt(), w))).isEqualTo("one".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aTamperedWrappedKeyOrAWrongSecretUnderTheSameIdIsAClearError() throws IOException {
        WrappedKey[] k = new WrappedKey[1];
        encrypt(cipher(key(A, "a")), new byte[10], k);
        byte[] w = k[0].wrapped();
        w[30] ^= 1;
        WrappedKey tampered = new WrappedKey("a", k[0].iterations(), k[0].salt(), w);
        assertThatThrownBy(() -> cipher(key(B, "b"), key(A, "a")).rewrap(tampered)).isInstanceOf(DecryptionException.class)
                .hasMessage("wrong key: the data key is wrapped under key id a, and the keyring's key with that id does not unwrap it"
                        + " (another secret under the same id, or the wrapped key was altered)");
        assertThatThrownBy(() -> cipher(key(C, "a")).rewrap(k[0])).isInstanceOf(DecryptionException.class)
                .hasMessageContaining("the configured key with that id does not unwrap it");
    }

    @Test
    void renamedKeysStillWorkBecauseEveryKeyIsTried() throws IOException {
        WrappedKey[] k = new WrappedKey[1];
        byte[] f = encrypt(cipher(key(A, "a")), "x".getBytes(StandardCharsets.US_ASCII), k);
        assertThat(decrypt(cipher(key(B, "b"), key(A, "renamed")), f, null)).containsExactly('x');
        assertThat(cipher(key(B, "b"), key(A, "renamed")).rewrap(k[0]).keyId()).isEqualTo("b");
    }

    @Test
    void rekeyOfManyFilesRunsPbkdf2PerSaltNotPerFile() throws IOException {
        BackupCipher a = cipher(key(A, "a"));
        List<WrappedKey> keys = new ArrayList<>();
        long before = Kdf.DERIVATIONS.get();
        for (int i = 0; i < 25; i++) {
            WrappedKey[] k = new WrappedKey[1];
            encrypt(a, new byte[] {(byte) i}, k);
            keys.add(k[0]);
        }
        assertThat(Kdf.DERIVATIONS.get() - before).as("writing 25 files").isEqualTo(1);
        BackupCipher b = cipher(key(B, "b"), key(A, "a"));
        before = Kdf.DERIVATIONS.get();
        for (WrappedKey k : keys) {
            assertThat(b.rewrap(k).keyId()).isEqualTo("b");
        }
        assertThat(Kdf.DERIVATIONS.get() - before).as("re-wrapping 25 data keys: A's KEK once, B's once").isEqualTo(2);
    }

    @Test
    void keyringRefusesAnotherSecretUnderTheCurrentIdAndIgnoresACopy() {
        assertThatThrownBy(() -> new KeyRing(key(B, "k1"), List.of(key(A, "k1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id k1, the id of the current key").hasMessageContaining("give the new key its own BACKUP_ENCRYPTION_KEY_ID")
                .hasMessageNotContaining(A).hasMessageNotContaining(B);
        assertThatThrownBy(() -> new KeyRing(key(B, "b"), List.of(key(A, "x"), key(C, "x"))))
                .hasMessageContaining("two different keys with id x");
        KeyRing ring = new KeyRing(key(B, "b"), List.of(key(B, "b"), key(A, "a"), key(C, "c")));
        assertThat(ring.retiredIds()).containsExactly("a", "c");
        assertThat(ring.candidates("c")).extracting(EncryptionKey::keyId).containsExactly("c", "b", "a");
        assertThat(ring.candidates("zzz")).extracting(EncryptionKey::keyId).containsExactly("b", "a", "c");
        assertThat(ring.toString()).doesNotContain(A, B, C);
    }

    @Test
    void wrappedKeyEncodingIsStrict() {
        WrappedKey k = new WrappedKey("a.b-c_1", 100_000, new byte[16], new byte[60]);
        assertThat(k.encode()).startsWith("1:a.b-c_1:100000:");
        assertThat(WrappedKey.parse(k.encode())).isEqualTo(k);
        for (String bad : new String[] {"", "2:a:1:AAAAAAAAAAAAAAAAAAAAAA==:AA==", "1:a:x:AA==:AA==", "1:a:100:AA==:AA==",
                "1:a b:100:AAAAAAAAAAAAAAAAAAAAAA==:" + "A".repeat(80), "1:a:100:!!:AA=="}) {
            assertThatThrownBy(() -> WrappedKey.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("wrapped key:");
        }
    }

    // ---- files written before format 2 (the code path of version 1, kept here as it was) ----

    /** Exactly what BackupCipher wrote before key rotation: header version 1, the PBKDF2 output as the stream key. */
    static byte[] encryptVersion1(String secret, String keyId, byte[] plain) throws Exception {
        byte[] salt = TestKeys.random(16, plain.length + 99);
        byte[] ikm = EncryptionKey.fromSecret(secret, keyId).derive(salt, BackupCipher.MIN_KDF_ITERATIONS);
        byte[] header = new EncryptedFileHeader(1, "PBKDF2-HMAC-SHA256", BackupCipher.MIN_KDF_ITERATIONS, salt,
                "TINK-AES256-GCM-HKDF-SHA256", BackupCipher.SEGMENT_SIZE, keyId, Kdf.keyCheck(ikm)).encode();
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(header);
        try (OutputStream out = new AesGcmHkdfStreaming(ikm, "HmacSha256", 32, BackupCipher.SEGMENT_SIZE, 0)
                .newEncryptingStream(file, header)) {
            out.write(plain);
        }
        return file.toByteArray();
    }

    @Test
    void version1FilesStillDecryptWithTheCurrentOrARetiredKey() throws Exception {
        byte[] plain = TestKeys.random(TestKeys.FIRST_SEGMENT_PLAIN + 5, 7);
        byte[] v1 = encryptVersion1(A, "a", plain);
        assertThat(BackupCipher.readHeader(new ByteArrayInputStream(v1)).version()).isEqualTo(1);
        assertThat(BackupCipher.readHeader(new ByteArrayInputStream(v1)).dataKey()).isEmpty();
        assertThat(decrypt(cipher(key(A, "a")), v1, null)).isEqualTo(plain);
        assertThat(decrypt(cipher(key(B, "b"), key(A, "a")), v1, null)).isEqualTo(plain);
        assertThatThrownBy(() -> decrypt(cipher(key(B, "b"), key(C, "c")), v1, null)).isInstanceOf(DecryptionException.class)
                .hasFieldOrPropertyWithValue("reason", DecryptionException.Reason.WRONG_KEY)
                .hasMessageStartingWith("wrong key: encrypted with key id a, and no key in the current key (b) and the keyring (c) is that key");
        // the docs/format.md version-1 vector, written by the code before this change, too
        byte[] vector = java.util.HexFormat.of().parseHex(FormatSpecTest.VECTOR_HEX);
        assertThat(decrypt(cipher(key(B, "b"), key(FormatSpecTest.VECTOR_SECRET, "test-vector-1")), vector, null))
                .isEqualTo(FormatSpecTest.VECTOR_PLAIN.getBytes(StandardCharsets.US_ASCII));
    }
}
