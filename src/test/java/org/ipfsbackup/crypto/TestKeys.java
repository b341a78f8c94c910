package org.ipfsbackup.crypto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;

/** Shared fixtures: valid keys, a fast cipher (minimum iterations) and in-memory helpers. */
final class TestKeys {

    static final String SECRET = "9vT!q2#LmZ8r@Xw4Kp0sYb7&Nd3Fh6Jc";
    static final String OTHER_SECRET = "Qe5^Ru1*Ti9(Oy2)Pa8_Sd4+Fg7=Hj3K";
    /** Plaintext bytes in segment 0 (shorter: it shares its 1 MiB with Tink's 40-byte stream header). */
    static final int FIRST_SEGMENT_PLAIN = BackupCipher.SEGMENT_SIZE - 40 - BackupCipher.TAG_BYTES;
    /** Plaintext bytes in every later segment. */
    static final int SEGMENT_PLAIN = BackupCipher.SEGMENT_SIZE - BackupCipher.TAG_BYTES;

    private TestKeys() {
    }

    static EncryptionKey key() {
        return EncryptionKey.fromSecret(SECRET, null);
    }

    static BackupCipher cipher() {
        return new BackupCipher(key(), BackupCipher.MIN_KDF_ITERATIONS);
    }

    static BackupCipher cipher(String secret, String keyId) {
        return new BackupCipher(EncryptionKey.fromSecret(secret, keyId), BackupCipher.MIN_KDF_ITERATIONS);
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static byte[] encrypt(BackupCipher cipher, byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = cipher.encryptingStream(out)) {
            enc.write(plain);
        }
        return out.toByteArray();
    }

    static byte[] decrypt(BackupCipher cipher, byte[] encrypted) throws IOException {
        try (InputStream in = cipher.decryptingStream(new ByteArrayInputStream(encrypted))) {
            return in.readAllBytes();
        }
    }
}
