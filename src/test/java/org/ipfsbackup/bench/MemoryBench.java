package org.ipfsbackup.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.ipfsbackup.archive.ArchiveResult;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.TarGzArchiver;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptResult;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.job.WorkDirectories;

/**
 * Memory benchmark of issue 2: a generated dump of SIZE MiB (default 1024) goes through archive+encrypt and back
 * through decrypt+extract exactly as the pipeline does (files between steps), in whatever heap the JVM was given
 * (bin/bench memory runs it with -Xmx128m). Prints throughput in MB/s and the peak heap used, and checks that
 * every restored file has the sha256 of the original. Exits non-zero on any difference.
 */
public final class MemoryBench {
    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        Path root = Files.createTempDirectory("ipfs-backup-membench");
        try {
            run(root, mib * 1024 * 1024);
        } finally {
            WorkDirectories.deleteTree(root);
        }
    }

    static void run(Path root, long bytes) throws Exception {
        Path dump = root.resolve("dump");
        System.out.printf("generating %d MiB of BSON-like documents in %s%n", bytes >> 20, dump);
        Map<String, String> expected = generate(dump, bytes);
        long content = expected.keySet().stream().mapToLong(p -> size(dump.resolve(p))).sum();

        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret("bench-only-key-0123456789-abcdefghij-XYZ", "bench"), 100_000);
        Path tgz = root.resolve("b.tar.gz");
        Path enc = root.resolve("b.tar.gz.enc");
        resetPeaks();
        long t0 = System.nanoTime();
        ArchiveResult a = new TarGzArchiver(6).archive(dump, tgz);
        long t1 = System.nanoTime();
        EncryptResult e = cipher.encrypt(tgz, enc);
        long t2 = System.nanoTime();
        Files.delete(tgz);
        long peakUp = peakHeap();
        WorkDirectories.deleteTree(dump);

        resetPeaks();
        Path out = root.resolve("restored");
        long t3 = System.nanoTime();
        try (InputStream in = cipher.decryptingStream(Files.newInputStream(enc))) {
            new TarGzExtractor(ExtractLimits.defaults()).extract(in, out);
        }
        long t4 = System.nanoTime();
        long peakDown = peakHeap();

        int bad = 0;
        for (var en : expected.entrySet()) {
            if (!sha256(out.resolve(en.getKey())).equals(en.getValue())) {
                bad++;
                System.out.println("DIFFERENT: " + en.getKey());
            }
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        System.out.printf("content %d MiB in %d files; archive %d MiB; encrypted %d MiB%n", content >> 20, expected.size(),
                a.archiveBytes() >> 20, e.encryptedBytes() >> 20);
        System.out.printf("archive (tar.gz -6)      %7.1f MB/s%n", mbps(content, t1 - t0));
        System.out.printf("encrypt (AES-256-GCM)    %7.1f MB/s%n", mbps(a.archiveBytes(), t2 - t1));
        System.out.printf("archive+encrypt          %7.1f MB/s of dump%n", mbps(content, t2 - t0));
        System.out.printf("decrypt+extract          %7.1f MB/s of dump%n", mbps(content, t4 - t3));
        System.out.printf("max heap %d MiB; peak heap used: backup %d MiB, restore %d MiB%n", maxHeap >> 20, peakUp >> 20, peakDown >> 20);
        System.out.printf("MEMORY-BENCH {\"dumpMiB\":%d,\"maxHeapMiB\":%d,\"peakHeapMiB\":%d,\"archiveEncryptMBps\":%.1f,\"decryptExtractMBps\":%.1f,\"identical\":%s}%n",
                content >> 20, maxHeap >> 20, Math.max(peakUp, peakDown) >> 20, mbps(content, t2 - t0), mbps(content, t4 - t3), bad == 0);
        if (bad != 0) {
            System.exit(1);
        }
    }

    /** Files of 16-256 MiB that look like BSON documents: field names repeat, values are partly random. */
    static Map<String, String> generate(Path dump, long total) throws Exception {
        Map<String, String> sums = new TreeMap<>();
        Random r = new Random(42);
        long written = 0;
        int n = 0;
        String[] dbs = {"shop", "inventory", "analytics"};
        while (written < total) {
            String rel = dbs[n % dbs.length] + "/coll" + n + ".bson";
            Path f = dump.resolve(rel);
            Files.createDirectories(f.getParent());
            long target = Math.min(total - written, (16L << 20) + (long) r.nextInt(240) * (1 << 20));
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
                long w = 0;
                byte[] doc = new byte[512];
                while (w < target) {
                    int len = (int) Math.min(doc.length, target - w);
                    fillDocument(doc, r, w);
                    o.write(doc, 0, len);
                    md.update(doc, 0, len);
                    w += len;
                }
            }
            Files.writeString(dump.resolve(dbs[n % dbs.length] + "/coll" + n + ".metadata.json"), "{\"indexes\":[{\"v\":2,\"key\":{\"_id\":1},\"name\":\"_id_\"}]}");
            sums.put(rel, HexFormat.of().formatHex(md.digest()));
            written += target;
            n++;
        }
        return sums;
    }

    static void fillDocument(byte[] doc, Random r, long seq) {
        ByteBuffer b = ByteBuffer.wrap(doc).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(doc.length);
        String text = "\u0002name\u0000customer-" + seq + "\u0002email\u0000user" + (seq % 9973) + "@example.com\u0001score\u0000";
        b.put(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        while (b.remaining() > 8) {
            if (r.nextInt(4) == 0) {
                b.put((byte) r.nextInt(256));
            } else {
                b.put((byte) ('a' + r.nextInt(8)));
            }
        }
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static double mbps(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

}
