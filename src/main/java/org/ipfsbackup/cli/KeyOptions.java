package org.ipfsbackup.cli;

import org.ipfsbackup.config.Secrets;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;

/** The cipher from BACKUP_ENCRYPTION_KEY (or _FILE) and the configured KDF iterations. */
final class KeyOptions {
    private KeyOptions() {
    }

    static BackupCipher cipher(ConfigOptions options) {
        var props = options.properties();
        String secret = new Secrets(options.env()).require("BACKUP_ENCRYPTION_KEY", "it is needed to decrypt backups");
        EncryptionKey key = EncryptionKey.fromSecret(secret, props.getOrDefault("crypto.key-id", "k1"));
        return new BackupCipher(key, props.getInt("crypto.kdf.iterations", BackupCipher.DEFAULT_KDF_ITERATIONS, 1, Integer.MAX_VALUE));
    }
}
