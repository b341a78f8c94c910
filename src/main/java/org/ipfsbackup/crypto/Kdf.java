package org.ipfsbackup.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/** Key derivation: PBKDF2 from the secret to the per-file stream key, and the key check value. */
final class Kdf {

    static final int DERIVED_KEY_BYTES = 32;
    /** HMAC message of the key check; see docs/format.md. */
    static final byte[] KEY_CHECK_LABEL = "ipfs-backup key check v1".getBytes(StandardCharsets.US_ASCII);
    /** Associated data of the data-key wrap (format version 2); see docs/format.md. */
    static final byte[] WRAP_LABEL = "ipfs-backup data key v2".getBytes(StandardCharsets.US_ASCII);
    static final int WRAP_NONCE_BYTES = 12;
    /** PBKDF2 runs in this JVM (tests check that caching keeps them per salt, not per file). */
    static final java.util.concurrent.atomic.AtomicLong DERIVATIONS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private Kdf() {
    }

    /**
     * PBKDF2-HMAC-SHA256 with a 32-byte output. {@code secret} must be ASCII (guaranteed by
     * {@link EncryptionKey}), so mapping bytes to chars for the JDK API is exact.
     */
    static byte[] pbkdf2(byte[] secret, byte[] salt, int iterations) {
        DERIVATIONS.incrementAndGet();
        char[] chars = new char[secret.length];
        for (int i = 0; i < secret.length; i++) {
            chars[i] = (char) (secret[i] & 0x7F);
        }
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, DERIVED_KEY_BYTES * 8);
        Arrays.fill(chars, '\0');
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable in this JVM", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** HMAC-SHA256(key = derived key, message = "ipfs-backup key check v1"): tells a wrong key from bad data. */
    static byte[] keyCheck(byte[] derivedKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(derivedKey, "HmacSHA256"));
            return mac.doFinal(KEY_CHECK_LABEL);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
        }
    }

    /**
     * Wraps a 32-byte data key: nonce (12 random bytes) || AES-256-GCM(kek, nonce, dataKey, aad = "ipfs-backup data key v2").
     */
    static byte[] wrap(byte[] kek, byte[] dataKey) {
        byte[] nonce = new byte[WRAP_NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(javax.crypto.Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new javax.crypto.spec.GCMParameterSpec(128, nonce));
            gcm.updateAAD(WRAP_LABEL);
            byte[] ct = gcm.doFinal(dataKey);
            byte[] out = Arrays.copyOf(nonce, WRAP_NONCE_BYTES + ct.length);
            System.arraycopy(ct, 0, out, WRAP_NONCE_BYTES, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM unavailable in this JVM", e);
        }
    }

    /** The data key, or null when the tag does not verify (another key-encryption key, or an altered wrapped key). */
    static byte[] unwrap(byte[] kek, byte[] wrapped) {
        try {
            javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(javax.crypto.Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"),
                    new javax.crypto.spec.GCMParameterSpec(128, wrapped, 0, WRAP_NONCE_BYTES));
            gcm.updateAAD(WRAP_LABEL);
            byte[] key = gcm.doFinal(wrapped, WRAP_NONCE_BYTES, wrapped.length - WRAP_NONCE_BYTES);
            return key.length == DERIVED_KEY_BYTES ? key : null;
        } catch (javax.crypto.AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM unavailable in this JVM", e);
        }
    }
}
