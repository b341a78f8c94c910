/**
 * Encryption of backup files: AES-256-GCM in 1 MiB authenticated segments (Tink's
 * AES-GCM-HKDF streaming format), keyed by PBKDF2-HMAC-SHA256 from {@code BACKUP_ENCRYPTION_KEY}
 * with a fresh random salt per file, behind a small versioned header that is itself authenticated.
 *
 * <p>Entry points: {@link org.ipfsbackup.crypto.EncryptionKey#fromSecret(String, String)} (validate the
 * key once, at start-up) and {@link org.ipfsbackup.crypto.BackupCipher}. The byte layout is specified in
 * {@code docs/format.md} of the repository. Memory use is bounded (about three segments per stream)
 * regardless of file size.
 */
package org.ipfsbackup.crypto;
