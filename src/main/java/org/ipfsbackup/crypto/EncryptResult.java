package org.ipfsbackup.crypto;

/**
 * Outcome of {@link BackupCipher#encrypt}.
 *
 * @param plainBytes     bytes read from the plaintext file
 * @param encryptedBytes bytes written to the encrypted file (header included)
 * @param sha256         lowercase hex SHA-256 of the encrypted file exactly as written
 */
public record EncryptResult(long plainBytes, long encryptedBytes, String sha256) {
}
