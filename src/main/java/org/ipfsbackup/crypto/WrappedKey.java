package org.ipfsbackup.crypto;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A file's random data key, wrapped (AES-256-GCM) under a key-encryption key derived with PBKDF2 from the master
 * secret named by {@code keyId}. Self-describing: with the master secret of {@code keyId} it can be unwrapped
 * without the file. The same value sits in the file header (format version 2, fields 02, 03, 06 and 08) and, as
 * {@link #encode()}, in the backup's manifest entry ({@code wrappedKey}), where {@code ipfs-backup rekey} replaces it
 * with one wrapped under the current master key. Nothing in it is secret without a master key.
 *
 * @param keyId      id of the master key that wrapped it
 * @param iterations PBKDF2 iterations of the key-encryption key
 * @param salt       PBKDF2 salt of the key-encryption key (16 bytes)
 * @param wrapped    12-byte nonce || 32-byte ciphertext of the data key || 16-byte GCM tag
 */
public record WrappedKey(String keyId, int iterations, byte[] salt, byte[] wrapped) {

    /** Encoding version written by {@link #encode()}. */
    static final String ENCODING = "1";
    static final int WRAPPED_BYTES = Kdf.WRAP_NONCE_BYTES + Kdf.DERIVED_KEY_BYTES + BackupCipher.TAG_BYTES;

    public WrappedKey {
        if (!EncryptionKey.isValidKeyId(keyId)) {
            throw new IllegalArgumentException("wrapped key: invalid key id");
        }
        if (iterations < 1 || iterations > HeaderCodec.MAX_ITERATIONS) {
            throw new IllegalArgumentException("wrapped key: iterations " + iterations + " out of range 1.." + HeaderCodec.MAX_ITERATIONS);
        }
        if (salt == null || salt.length != HeaderCodec.SALT_BYTES) {
            throw new IllegalArgumentException("wrapped key: the salt must be " + HeaderCodec.SALT_BYTES + " bytes");
        }
        if (wrapped == null || wrapped.length != WRAPPED_BYTES) {
            throw new IllegalArgumentException("wrapped key: must be " + WRAPPED_BYTES + " bytes");
        }
        salt = salt.clone();
        wrapped = wrapped.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] wrapped() {
        return wrapped.clone();
    }

    /** {@code 1:<keyId>:<iterations>:<base64 salt>:<base64 wrapped>} (key ids cannot contain ':'). */
    public String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return ENCODING + ":" + keyId + ":" + iterations + ":" + b64.encodeToString(salt) + ":" + b64.encodeToString(wrapped);
    }

    /**
     * Parses {@link #encode()}'s form.
     *
     * @throws IllegalArgumentException naming what is wrong (never echoing the value)
     */
    public static WrappedKey parse(String encoded) {
        if (encoded == null) {
            throw new IllegalArgumentException("wrapped key: missing");
        }
        String[] parts = encoded.split(":", -1);
        if (parts.length != 5 || !ENCODING.equals(parts[0])) {
            throw new IllegalArgumentException("wrapped key: not in the form 1:<keyId>:<iterations>:<salt>:<wrapped>");
        }
        try {
            return new WrappedKey(parts[1], Integer.parseInt(parts[2]), Base64.getDecoder().decode(parts[3]),
                    Base64.getDecoder().decode(parts[4]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("wrapped key: iterations are not a number");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("wrapped key") ? e.getMessage() : "wrapped key: bad base64");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WrappedKey w && keyId.equals(w.keyId) && iterations == w.iterations && Arrays.equals(salt, w.salt)
                && Arrays.equals(wrapped, w.wrapped);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyId, iterations) + 31 * Arrays.hashCode(salt) + 17 * Arrays.hashCode(wrapped);
    }

    @Override
    public String toString() {
        return "WrappedKey[keyId=" + keyId + ", iterations=" + iterations + "]";
    }
}
