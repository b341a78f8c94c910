package org.ipfsbackup.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets HotSpot to compile the JDK's AES-GCM with its AES-NI/CLMUL intrinsics before a backup is encrypted.
 *
 * <p>Why: Tink hands the JDK one 1 MiB segment per call, so the JDK's GCM methods are called a few times per MiB and
 * stay interpreted (or OSR-compiled without the intrinsics) for hundreds of MiB: measured here, encrypting a 49 MB
 * archive in a fresh JVM took 1.3 s of CPU, and 0.1 s once warm. A few thousand small encryptions and decryptions
 * (5 MB, a fraction of a second of CPU) reach the compile thresholds. Run once per JVM, on a daemon thread, while the
 * archive is being compressed; with a throw-away key, nothing of it is kept.
 */
public final class GcmWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(GcmWarmUp.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    static final int ROUNDS = 5000;
    static final int CHUNK = 1024;

    private GcmWarmUp() {
    }

    /** Starts the warm-up on a daemon thread, the first time only. */
    public static void startOnce() {
        if (STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(GcmWarmUp::runQuietly, "ipfs-backup-gcm-warmup");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
        }
    }

    private static void runQuietly() {
        try {
            long t0 = System.nanoTime();
            run(ROUNDS);
            LOG.debug("AES-GCM warm-up done in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (GeneralSecurityException | RuntimeException e) {
            LOG.debug("AES-GCM warm-up failed (harmless: encryption is only slower at first)", e);
        }
    }

    /** Encrypts and decrypts {@code rounds} small buffers, as Tink does (ByteBuffers); returns a checksum. */
    static long run(int rounds) throws GeneralSecurityException {
        SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
        Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
        Cipher dec = Cipher.getInstance("AES/GCM/NoPadding");
        ByteBuffer plain = ByteBuffer.allocate(CHUNK);
        ByteBuffer sealed = ByteBuffer.allocate(CHUNK + 16);
        ByteBuffer opened = ByteBuffer.allocate(CHUNK);
        byte[] iv = new byte[12];
        long sum = 0;
        for (int i = 0; i < rounds; i++) {
            iv[0] = (byte) i;
            iv[1] = (byte) (i >>> 8);
            iv[2] = (byte) (i >>> 16);
            GCMParameterSpec spec = new GCMParameterSpec(128, iv);
            enc.init(Cipher.ENCRYPT_MODE, key, spec);
            plain.clear();
            sealed.clear();
            enc.doFinal(plain, sealed);
            sealed.flip();
            dec.init(Cipher.DECRYPT_MODE, key, spec);
            opened.clear();
            dec.doFinal(sealed, opened);
            sum += sealed.get(0);
        }
        return sum;
    }
}
