package org.ipfsbackup.crypto;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The ipfs-backup header at the start of every encrypted file (layout in docs/format.md). Nothing in it is
 * secret; {@link BackupCipher#readHeader} parses it without a key, e.g. for {@code inspect}.
 *
 * @param version     format version (currently {@value HeaderCodec#VERSION})
 * @param kdf         key derivation function id, {@value HeaderCodec#KDF_PBKDF2_SHA256}
 * @param iterations  PBKDF2 iteration count used for this file
 * @param salt        PBKDF2 salt, 16 random bytes per file
 * @param aead        segmented AEAD id, {@value HeaderCodec#AEAD_TINK_AES256_GCM_HKDF}
 * @param segmentSize ciphertext segment size in bytes (1 MiB when written by this version)
 * @param keyId       label of the master key that encrypted the file
 * @param keyCheck    32-byte key check value (HMAC of a constant under the stream's input key: the PBKDF2 output in
 *                    version 1, the data key in version 2)
 * @param wrappedKey  version 2: the data key wrapped under the key derived from the master key {@code keyId} with
 *                    {@code salt} and {@code iterations} (60 bytes); version 1: null
 */
public record EncryptedFileHeader(int version, String kdf, int iterations, byte[] salt, String aead,
                                  int segmentSize, String keyId, byte[] keyCheck, byte[] wrappedKey) {

    public EncryptedFileHeader {
        Objects.requireNonNull(kdf, "kdf");
        Objects.requireNonNull(aead, "aead");
        Objects.requireNonNull(keyId, "keyId");
        salt = salt.clone();
        keyCheck = keyCheck.clone();
        wrappedKey = wrappedKey == null ? null : wrappedKey.clone();
    }

    /** A version-1 header (no wrapped key: the stream key is derived from the master secret directly). */
    public EncryptedFileHeader(int version, String kdf, int iterations, byte[] salt, String aead, int segmentSize, String keyId,
                               byte[] keyCheck) {
        this(version, kdf, iterations, salt, aead, segmentSize, keyId, keyCheck, null);
    }

    @Override
    public byte[] wrappedKey() {
        return wrappedKey == null ? null : wrappedKey.clone();
    }

    /** Version 2: the header's wrapped data key with what is needed to unwrap it; version 1: empty. */
    public java.util.Optional<WrappedKey> dataKey() {
        return wrappedKey == null ? java.util.Optional.empty()
                : java.util.Optional.of(new WrappedKey(keyId, iterations, salt, wrappedKey));
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] keyCheck() {
        return keyCheck.clone();
    }

    /** This header serialised as in docs/format.md (the exact bytes a file written with it starts with). */
    public byte[] encode() {
        return HeaderCodec.encode(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncryptedFileHeader h && version == h.version && iterations == h.iterations
                && segmentSize == h.segmentSize && kdf.equals(h.kdf) && aead.equals(h.aead)
                && keyId.equals(h.keyId) && Arrays.equals(salt, h.salt) && Arrays.equals(keyCheck, h.keyCheck)
                && Arrays.equals(wrappedKey, h.wrappedKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, kdf, iterations, aead, segmentSize, keyId)
                + 31 * Arrays.hashCode(salt) + 17 * Arrays.hashCode(keyCheck) + 7 * Arrays.hashCode(wrappedKey);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "EncryptedFileHeader[version=" + version + ", kdf=" + kdf + ", iterations=" + iterations
                + ", salt=" + hex.formatHex(salt) + ", aead=" + aead + ", segmentSize=" + segmentSize
                + ", keyId=" + keyId + ", keyCheck=" + hex.formatHex(keyCheck)
                + (wrappedKey == null ? "" : ", wrappedKey=" + hex.formatHex(wrappedKey)) + "]";
    }
}
