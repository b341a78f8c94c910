package org.ipfsbackup.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the encrypt step: the plain archive becomes the encrypted backup file; the plain archive is deleted. */
public class CryptoBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.encrypt");
    private final BackupCipher cipher;

    public CryptoBinding(BackupCipher cipher) {
        this.cipher = cipher;
    }

    public void encrypt(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Path plain = Path.of(m.getHeader(BackupHeaders.ARCHIVE_FILE, String.class));
        String name = m.getHeader(BackupHeaders.NAME, String.class);
        Path target = Path.of(m.getHeader(BackupHeaders.WORK_DIR, String.class)).resolve(name);
        long t0 = System.nanoTime();
        org.ipfsbackup.crypto.GcmWarmUp.beforeBulk(Files.size(plain)); // started by the archive step; see there
        EncryptResult r = cipher.encrypt(plain, target);
        Files.delete(plain);
        m.removeHeader(BackupHeaders.ARCHIVE_FILE);
        m.setHeader(BackupHeaders.ENCRYPTED_FILE, target.toString());
        m.setHeader(BackupHeaders.SIZE, r.encryptedBytes());
        exchange.setProperty(BackupHeaders.STEP_BYTES, r.encryptedBytes());
        m.setHeader(BackupHeaders.SHA256, r.sha256());
        m.setHeader(BackupHeaders.WRAPPED_KEY, r.dataKey().encode());
        LOG.info("backup={} step=encrypt bytes={} sha256={} keyId={} durationMs={}", name, r.encryptedBytes(), r.sha256(), r.dataKey().keyId(),
                (System.nanoTime() - t0) / 1_000_000);
    }
}
