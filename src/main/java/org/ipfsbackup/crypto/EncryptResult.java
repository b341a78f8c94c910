package org.ipfsbackup.crypto;

/**
 * Outcome of {@link BackupCipher#encrypt}.
 *
 * @param plainBytes     bytes read from the plaintext file
 * @param encryptedBytes bytes written to the encrypted file (header included)
 * @param sha256         lowercase hex SHA-256 of the encrypted file exactly as written
 * @param dataKey        the file's data key as wrapped in its header (recorded in the manifest entry)
 */
public record EncryptResult(long plainBytes, long encryptedBytes, String sha256, WrappedKey dataKey) {

    public EncryptResult(long plainBytes, long encryptedBytes, String sha256) {
        this(plainBytes, encryptedBytes, sha256, null);
    }
}
