package org.ipfsbackup.cli;

import org.ipfsbackup.config.Secrets;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.config.KeyRingConfig;
import org.ipfsbackup.crypto.KeyRing;

/** The cipher from BACKUP_ENCRYPTION_KEY (or _FILE), the keyring of retired keys, and the configured KDF iterations. */
final class KeyOptions {
    private KeyOptions() {
    }

    static BackupCipher cipher(ConfigOptions options) {
        var props = options.properties();
        KeyRing keys = KeyRingConfig.load(props, new Secrets(options.env()), "it is needed to decrypt backups");
        return new BackupCipher(keys, props.getInt("crypto.kdf.iterations", BackupCipher.DEFAULT_KDF_ITERATIONS, 1, Integer.MAX_VALUE));
    }
}
