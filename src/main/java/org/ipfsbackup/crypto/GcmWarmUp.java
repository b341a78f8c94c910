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
 * Gets HotSpot to compile the JDK's AES-GCM (and SHA-256) with their AES-NI/CLMUL/SHA intrinsics before a backup is
 * encrypted.
 *
 * <p>Why: Tink hands the JDK one 1 MiB segment per call, so the JDK's GCM methods are called a few times per MiB and
 * stay interpreted (or OSR-compiled without the intrinsics) for hundreds of MiB: measured here, encrypting a 49 MB
 * archive in a fresh JVM took 1.3 s of CPU, and 0.1 s once warm. A few thousand small encryptions and decryptions
 * (5 MB, a fraction of a second of CPU) reach the compile thresholds. Run once per JVM, on a daemon thread, started
 * when the archive step starts (so it runs while the archive is compressed) and awaited before a large file is
 * encrypted or decrypted ({@link #beforeBulk}); with a throw-away key, nothing of it is kept.
 */
public final class GcmWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(GcmWarmUp.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final java.util.concurrent.CountDownLatch DONE = new java.util.concurrent.CountDownLatch(1);
    /** Files smaller than this are not worth waiting for the warm-up: cold GCM takes milliseconds for them. */
    public static final long WORTH_WAITING_BYTES = 8L << 20;
    static final int CHUNK = 1024;
    static final int BATCH = 500;
    static final int PROBE = 256 * 1024;
    /** Cold (interpreted) GCM runs at 10-60 MB/s here, compiled with the intrinsics at 1-3 GB/s. */
    static final int WARM_MB_PER_S = 400;
    static final java.time.Duration MAX_TIME = java.time.Duration.ofSeconds(4);

    private GcmWarmUp() {
    }

    /** Starts the warm-up on a daemon thread, the first time only. */
    public static void startOnce() {
        if (STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(GcmWarmUp::runQuietly, "ipfs-backup-gcm-warmup");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Before encrypting or decrypting {@code bytes}: starts the warm-up if nobody did and, when the data is large
     * enough to gain from it, waits for it (at most 5 s; it takes well under one on this project's 2-core machines).
     * Measured on a 46 MB archive: decryption 1.2 s cold, 0.17 s after the warm-up's 0.3-0.5 s.
     */
    public static void beforeBulk(long bytes) {
        startOnce();
        if (bytes >= WORTH_WAITING_BYTES) {
            await(DONE);
        }
    }

    /**
     * Runs {@code task} on a new daemon thread named {@code threadName} once the warm-up (started here if nobody did)
     * has ended, or after 5 s.
     *
     * <p>For a restore's PBKDF2: HotSpot compiles with one C2 thread on 2 cores, and once PBKDF2's loop is hot it is
     * compiled on-stack, which held that thread 0.23 s here. When that came first, the AES-GCM methods the download
     * waits for queued behind it: start to "extracted" took 1.20-1.30 s instead of 0.92-1.00 in 3 restores of 14.
     * With the derivation after the warm-up: 0.92-1.07 s in 14 of 14.
     */
    public static Thread runAfter(String threadName, Runnable task) {
        startOnce();
        return runAfter(DONE, threadName, task);
    }

    static Thread runAfter(java.util.concurrent.CountDownLatch done, String threadName, Runnable task) {
        Thread t = new Thread(() -> {
            await(done);
            task.run();
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void await(java.util.concurrent.CountDownLatch done) {
        try {
            done.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void runQuietly() {
        try {
            long t0 = System.nanoTime();
            boolean warm = run(MAX_TIME);
            LOG.debug("AES-GCM warm-up: {} after {} ms", warm ? "compiled" : "gave up", (System.nanoTime() - t0) / 1_000_000);
        } catch (GeneralSecurityException | RuntimeException e) {
            LOG.debug("AES-GCM warm-up failed (harmless: encryption is only slower at first)", e);
        } finally {
            DONE.countDown();
        }
    }

    /**
     * Small encryptions and decryptions, as Tink does them (ByteBuffers), in batches; after each batch one 256 KiB
     * encryption is timed, and the warm-up ends once that runs at {@value #WARM_MB_PER_S} MB/s or more (compilation is
     * asynchronous, so the count of calls alone says nothing), or when {@code max} has passed.
     *
     * @return whether GCM reached that speed
     */
    static boolean run(java.time.Duration max) throws GeneralSecurityException {
        long deadline = System.nanoTime() + max.toNanos();
        SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
        Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
        Cipher dec = Cipher.getInstance("AES/GCM/NoPadding");
        ByteBuffer plain = ByteBuffer.allocate(CHUNK);
        ByteBuffer sealed = ByteBuffer.allocate(CHUNK + 16);
        ByteBuffer opened = ByteBuffer.allocate(CHUNK);
        ByteBuffer bigPlain = ByteBuffer.allocate(PROBE);
        ByteBuffer bigSealed = ByteBuffer.allocate(PROBE + 16);
        byte[] iv = new byte[12];
        java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256"); // hashed alongside
        int n = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < BATCH; i++, n++) {
                GCMParameterSpec spec = nonce(iv, n);
                enc.init(Cipher.ENCRYPT_MODE, key, spec);
                plain.clear();
                sealed.clear();
                enc.doFinal(plain, sealed);
                sealed.flip();
                dec.init(Cipher.DECRYPT_MODE, key, spec);
                opened.clear();
                dec.doFinal(sealed, opened);
                sealed.rewind();
                sha256.update(sealed);
            }
            enc.init(Cipher.ENCRYPT_MODE, key, nonce(iv, n++));
            bigPlain.clear();
            bigSealed.clear();
            long t0 = System.nanoTime();
            enc.doFinal(bigPlain, bigSealed);
            long nanos = Math.max(1, System.nanoTime() - t0);
            if (PROBE * 1e3 / nanos >= WARM_MB_PER_S) {
                return true;
            }
        }
        return false;
    }

    private static GCMParameterSpec nonce(byte[] iv, int n) {
        iv[0] = (byte) n;
        iv[1] = (byte) (n >>> 8);
        iv[2] = (byte) (n >>> 16);
        iv[3] = (byte) (n >>> 24);
        return new GCMParameterSpec(128, iv);
    }
}
