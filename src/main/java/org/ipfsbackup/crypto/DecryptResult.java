package org.ipfsbackup.crypto;

/**
 * Outcome of {@link BackupCipher#decrypt}.
 *
 * @param encryptedBytes size of the encrypted input
 * @param plainBytes     bytes of plaintext written
 * @param keyId          key id recorded in the file's header
 */
public record DecryptResult(long encryptedBytes, long plainBytes, String keyId) {
}
