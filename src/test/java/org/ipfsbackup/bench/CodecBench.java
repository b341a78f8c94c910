package org.ipfsbackup.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

import org.ipfsbackup.archive.ArchiveResult;
import org.ipfsbackup.archive.Compression;
import org.ipfsbackup.archive.CompressionCodec;
import org.ipfsbackup.archive.ExtractResult;
import org.ipfsbackup.archive.GzipCodec;
import org.ipfsbackup.archive.TarGzArchiver;
import org.ipfsbackup.archive.ZstdCodec;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptResult;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.restore.BackupFetcher;

/**
 * The Java half of {@code bin/bench codecs} (one step per JVM, so that each one's peak RSS is its own):
 * <pre>
 *   gen DIR MiB                       a user-like dump ({@link UserLikeDump})
 *   backup CODEC DUMP OUT [keep]      archive + compress + encrypt + sha256, exactly as the pipeline's steps do
 *                                     (CODEC: gzip-1 = the old single-thread gzip, gzip = parallel, zstd); keep = keep
 *                                     the plain archive as OUT.plain for the gunzip comparison
 *   restore ENC DIR                   sha256 of the download (verify) + decrypt + extract, as restore does
 *   check DUMP DIR                    every restored file against the original (sha256), not timed
 * </pre>
 * Each prints one line {@code RESULT key=value ...} for the script, with the peak RSS from /proc/self/status.
 */
public final class CodecBench {

    static final String KEY = "bench-only-key-0123456789-abcdefghij-XYZ";

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "gen" -> {
                long n = UserLikeDump.generate(Path.of(args[1]), Long.parseLong(args[2]) << 20, 7);
                System.out.println("RESULT bytes=" + n);
            }
            case "backup" -> backup(args[1], Path.of(args[2]), Path.of(args[3]), args.length > 4 && args[4].equals("keep"));
            case "restore" -> restore(Path.of(args[1]), Path.of(args[2]), args.length > 3 ? args[3] : null);
            case "check" -> {
                boolean same = Fingerprint.of(Path.of(args[1])).equals(Fingerprint.of(Path.of(args[2])));
                System.out.println("RESULT identical=" + same);
                System.exit(same ? 0 : 1);
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static CompressionCodec codec(String name) {
        int threads = Runtime.getRuntime().availableProcessors();
        return switch (name) {
            case "gzip-1" -> new GzipCodec(GzipCodec.DEFAULT_LEVEL);
            case "gzip" -> Compression.forWriting(Compression.GZIP, GzipCodec.DEFAULT_LEVEL, ZstdCodec.DEFAULT_LEVEL, threads);
            case "zstd" -> Compression.forWriting(Compression.ZSTD, GzipCodec.DEFAULT_LEVEL,
                    Integer.getInteger("bench.zstd-level", ZstdCodec.DEFAULT_LEVEL), threads);
            case "zstd-1" -> Compression.forWriting(Compression.ZSTD, GzipCodec.DEFAULT_LEVEL, 1, threads);
            default -> throw new IllegalArgumentException("codec must be gzip-1, gzip, zstd or zstd-1, got " + name);
        };
    }

    static void backup(String codecName, Path dump, Path out, boolean keep) throws Exception {
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(KEY, "bench"), 100_000);
        Path plain = out.resolveSibling(out.getFileName() + ".plain");
        long t0 = System.nanoTime();
        org.ipfsbackup.crypto.GcmWarmUp.startOnce(); // as the archive step does
        ArchiveResult a = new TarGzArchiver(codec(codecName)).archive(dump, plain);
        long t1 = System.nanoTime();
        org.ipfsbackup.crypto.GcmWarmUp.beforeBulk(Files.size(plain)); // as the encrypt step does
        EncryptResult e = cipher.encrypt(plain, out); // sha256 of the encrypted bytes in the same pass, as the pipeline
        long t2 = System.nanoTime();
        // the same work again in this JVM, as the service does it from its second backup on (JIT-compiled code,
        // warmed AES-GCM intrinsic): the fastest of bench.warm more runs
        double warm = Double.NaN;
        Path again = out.resolveSibling(out.getFileName() + ".again");
        Path againPlain = out.resolveSibling(out.getFileName() + ".again.plain");
        for (int i = 0; i < Integer.getInteger("bench.warm", 0); i++) {
            long w0 = System.nanoTime();
            new TarGzArchiver(codec(codecName)).archive(dump, againPlain);
            cipher.encrypt(againPlain, again);
            double sec = (System.nanoTime() - w0) / 1e9;
            warm = Double.isNaN(warm) ? sec : Math.min(warm, sec);
            Files.delete(againPlain);
            Files.delete(again);
        }
        if (!keep) {
            Files.delete(plain);
        }
        System.out.printf(Locale.ROOT, "RESULT codec=%s contentBytes=%d archiveBytes=%d encryptedBytes=%d archiveSec=%.3f encryptSec=%.3f totalSec=%.3f warmSec=%.3f rssKiB=%d sha256=%s%n",
                codecName, a.contentBytes(), a.archiveBytes(), e.encryptedBytes(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9, warm,
                peakRssKiB(), e.sha256());
    }

    /**
     * With {@code expectedSha256}: one pass, the sha256 checked while decrypting and extracting (as restore does with
     * a file); without: the old two passes (sha256 of the file, then decrypt + extract), for comparison.
     */
    static void restore(Path enc, Path dir, String expectedSha256) throws Exception {
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(KEY, "bench"), 100_000);
        long t0 = System.nanoTime();
        org.ipfsbackup.crypto.GcmWarmUp.startOnce(); // as BackupFetcher.download does
        String sha = expectedSha256 == null ? sha256(enc) : expectedSha256;
        long t1 = System.nanoTime();
        ExtractResult r = BackupFetcher.decryptAndExtract(cipher, enc, expectedSha256, null, dir, null, enc.getFileName().toString());
        long t2 = System.nanoTime();
        boolean identical = true;
        System.out.printf(Locale.ROOT, "RESULT contentBytes=%d verifySec=%.3f decryptExtractSec=%.3f totalSec=%.3f rssKiB=%d identical=%s sha256=%s%n",
                r.bytes(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9, peakRssKiB(), identical, sha);
        if (!identical) {
            System.exit(1);
        }
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** VmHWM: the peak resident set of this process, KiB (0 where /proc is missing). */
    static long peakRssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return 0;
    }

    /** sha256 of every regular file under a root, by relative path. */
    static final class Fingerprint {
        static Map<String, String> of(Path root) throws Exception {
            Map<String, String> m = new java.util.TreeMap<>();
            try (var s = Files.walk(root)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (Files.isRegularFile(p)) {
                        m.put(root.relativize(p).toString(), sha256(p));
                    }
                }
            }
            return m;
        }
    }
}
