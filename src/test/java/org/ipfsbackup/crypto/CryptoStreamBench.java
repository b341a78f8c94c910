package org.ipfsbackup.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Throughput and memory benchmark (not a unit test): streams N MiB of generated data through
 * {@link BackupCipher#encryptingStream} into a temporary file, decrypts it back through
 * {@link BackupCipher#decryptingStream}, compares SHA-256 of both plaintexts and prints MB/s and the heap
 * high-water mark; repeats that for R rounds. Exits 1 on mismatch. Run it with a small heap to show memory
 * is bounded, e.g.
 * <pre>
 * mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Xmx64m -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *      org.ipfsbackup.crypto.CryptoStreamBench [MiB=256] [rounds=2] [directory-for-temp-file]
 * </pre>
 * Round 1 shows a fresh JVM: the JDK's AES-GCM runs at tens of MB/s until HotSpot has compiled its
 * intrinsics, which with 1 MiB segments takes several hundred MiB of traffic; later rounds show the
 * steady state.
 */
public final class CryptoStreamBench {

    private static final int CHUNK = 64 * 1024;

    private CryptoStreamBench() {
    }

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 256;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path dir = args.length > 2 ? Path.of(args[2]) : Path.of(System.getProperty("java.io.tmpdir"));
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(TestKeys.SECRET, "bench"),
                BackupCipher.DEFAULT_KDF_ITERATIONS);
        boolean ok = true;
        for (int round = 1; round <= rounds; round++) {
            System.out.printf("round %d:%n", round);
            ok &= roundTrip(cipher, mib, dir);
        }
        System.out.printf("heap: peak used %.1f MiB of max %.1f MiB%n", peakHeapMiB(),
                Runtime.getRuntime().maxMemory() / 1048576.0);
        System.out.println(ok ? "round trips OK (sha256 equal)" : "ROUND TRIP MISMATCH");
        if (!ok) {
            System.exit(1);
        }
    }

    private static boolean roundTrip(BackupCipher cipher, long mib, Path dir) throws Exception {
        Path file = Files.createTempFile(dir, "crypto-bench", ".enc");
        try {
            MessageDigest plainIn = MessageDigest.getInstance("SHA-256");
            long start = System.nanoTime();
            try (OutputStream out = cipher.encryptingStream(Files.newOutputStream(file))) {
                writeGenerated(new DigestOutputStream(out, plainIn), mib * 1024 * 1024);
            }
            report("encrypt", mib, start);

            MessageDigest plainOut = MessageDigest.getInstance("SHA-256");
            start = System.nanoTime();
            try (InputStream in = cipher.decryptingStream(Files.newInputStream(file))) {
                in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), plainOut));
            }
            report("decrypt", mib, start);
            return Arrays.equals(plainIn.digest(), plainOut.digest());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Incompressible pseudo-random data, generated chunk by chunk (never held in memory as a whole). */
    private static void writeGenerated(OutputStream out, long total) throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        byte[] chunk = new byte[CHUNK];
        for (long left = total; left > 0; left -= CHUNK) {
            for (int i = 0; i < CHUNK; i += 8) {
                long v = random.nextLong();
                for (int j = 0; j < 8; j++) {
                    chunk[i + j] = (byte) (v >>> (8 * j));
                }
            }
            out.write(chunk, 0, (int) Math.min(CHUNK, left));
        }
    }

    private static void report(String what, long mib, long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        System.out.printf("  %s: %d MiB in %.2f s = %.1f MB/s%n", what, mib, seconds, mib * 1.048576 / seconds);
    }

    private static double peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / 1048576.0;
    }
}
