package org.ipfsbackup.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.ipfsbackup.bench.UserLikeDump;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParallelGzipOutputStreamTest {

    private static final int BLOCK = 64 * 1024;

    @TempDir
    Path tmp;

    @AfterEach
    void noWorkerThreadIsLeft() {
        await().atMost(Duration.ofSeconds(10)).until(() -> workerThreads() == 0);
    }

    static long workerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(ParallelGzipOutputStream.THREAD_PREFIX) && t.isAlive()).count();
    }

    /** Text-like data with repeats far apart (so matches cross block boundaries) and some noise. */
    static byte[] data(int size, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        String[] words = {"customer", "order", "2026-11-27T10:15:30Z", "shipped", "Berlin", "amount", "email@example.com", "{\"_id\":"};
        int i = 0;
        while (i < size) {
            byte[] w = (words[r.nextInt(words.length)] + (r.nextInt(7) == 0 ? Integer.toString(r.nextInt(100000)) : "") + " ").getBytes();
            int n = Math.min(w.length, size - i);
            System.arraycopy(w, 0, b, i, n);
            i += n;
        }
        return b;
    }

    static byte[] pgzip(byte[] input, int threads, int blockSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new ParallelGzipOutputStream(out, 6, threads, blockSize, ParallelGzipOutputStream::deflateBlock)) {
            // odd-sized writes, so block boundaries fall inside writes
            int off = 0;
            Random r = new Random(1);
            while (off < input.length) {
                int n = Math.min(input.length - off, 1 + r.nextInt(3 * blockSize / 2));
                z.write(input, off, n);
                off += n;
            }
        }
        return out.toByteArray();
    }

    static byte[] gunzipJdk(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 3 * BLOCK, 3 * BLOCK + 17, 40 * BLOCK + 5})
    void gzipInputStreamReadsEverySize(int size) throws IOException {
        byte[] input = data(size, size);
        byte[] gz = pgzip(input, 3, BLOCK);
        assertThat(gunzipJdk(gz)).isEqualTo(input);
        // one gzip member: header, deflate, trailer with CRC-32 and length
        assertThat(gz[0]).isEqualTo((byte) 0x1f);
        assertThat(gz[1]).isEqualTo((byte) 0x8b);
    }

    @Test
    void emptyInputIsAValidEmptyGzipFile() throws Exception {
        byte[] gz = pgzip(new byte[0], 2, BLOCK);
        assertThat(gunzipJdk(gz)).isEmpty();
        assertThat(gunzipBinary(gz)).isEmpty();
    }

    @Test
    void oneByteWrittenWithWriteInt() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new ParallelGzipOutputStream(out, 6, 2)) {
            z.write('x');
        }
        assertThat(gunzipJdk(out.toByteArray())).containsExactly('x');
        assertThat(gunzipBinary(out.toByteArray())).containsExactly('x');
    }

    @ParameterizedTest
    @ValueSource(ints = {1, BLOCK, 2 * BLOCK, 7 * BLOCK + 3})
    void theGunzipBinaryReadsItAndChecksCrcAndLength(int size) throws Exception {
        byte[] input = data(size, 99);
        byte[] gz = pgzip(input, 2, BLOCK);
        assertThat(gunzipBinary(gz)).isEqualTo(input);
        Path f = tmp.resolve("t.gz");
        Files.write(f, gz);
        assertThat(run("gzip", "-t", f.toString())).isZero(); // integrity test: CRC-32 and ISIZE
    }

    @Test
    void aCorruptedTrailerIsDetectedByGunzip() throws Exception {
        byte[] gz = pgzip(data(3 * BLOCK, 5), 2, BLOCK);
        gz[gz.length - 6] ^= 1; // CRC-32
        Path f = tmp.resolve("bad.gz");
        Files.write(f, gz);
        assertThat(run("gzip", "-t", f.toString())).isNotZero();
        assertThatThrownBy(() -> gunzipJdk(gz)).isInstanceOf(IOException.class);
    }

    @Test
    void tarXzReadsAnArchiveWrittenWithTheParallelCodec() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/appdb"));
        UserLikeDump.generate(src.getParent(), 6 << 20, 3);
        Path archive = tmp.resolve("b.tar.gz");
        new TarGzArchiver(new ParallelGzipCodec(6, 2)).archive(tmp.resolve("src"), archive);
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertThat(run("tar", "-xzf", archive.toString(), "-C", out.toString())).isZero();
        assertThat(ArchiveTestTrees.fingerprint(out)).isEqualTo(ArchiveTestTrees.fingerprint(tmp.resolve("src")));
    }

    @Test
    void ratioIsWithinTwoPercentOfSingleThreadedLevel6OnUserLikeBson() throws Exception {
        Path dump = tmp.resolve("dump");
        UserLikeDump.generate(dump, 24 << 20, 11);
        byte[] input = Files.readAllBytes(dump.resolve("appdb/orders.bson"));
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(single, 1 << 16) {
            {
                def.setLevel(6);
            }
        }) {
            z.write(input);
        }
        ByteArrayOutputStream parallel = new ByteArrayOutputStream();
        try (OutputStream z = new ParallelGzipOutputStream(parallel, 6, 2)) {
            z.write(input);
        }
        double ratio = (double) parallel.size() / single.size();
        assertThat(ratio).as("parallel %d bytes vs single-threaded %d bytes", parallel.size(), single.size()).isLessThan(1.02);
        assertThat(gunzipJdk(parallel.toByteArray())).isEqualTo(input);
        // dictionary priming is what keeps it there: 128 KiB blocks without it lose more
        ByteArrayOutputStream unprimed = new ByteArrayOutputStream();
        try (OutputStream z = new ParallelGzipOutputStream(unprimed, 6, 2, 128 * 1024,
                (level, dict, data, len, last) -> ParallelGzipOutputStream.deflateBlock(level, null, data, len, last))) {
            z.write(input);
        }
        assertThat(unprimed.size()).isGreaterThan(parallel.size());
    }

    @Test
    void aWorkersFailureIsThrownToTheWriterAndNoThreadIsLeft() throws Exception {
        AtomicInteger blocks = new AtomicInteger();
        ParallelGzipOutputStream.BlockDeflater failing = (level, dict, data, len, last) -> {
            if (blocks.incrementAndGet() == 3) {
                throw new IllegalStateException("boom in block 3");
            }
            return ParallelGzipOutputStream.deflateBlock(level, dict, data, len, last);
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ParallelGzipOutputStream z = new ParallelGzipOutputStream(out, 6, 2, BLOCK, failing);
        byte[] input = data(20 * BLOCK, 4);
        assertThatThrownBy(() -> {
            try (z) {
                z.write(input);
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("boom in block 3").hasRootCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> z.write(1)).isInstanceOf(IOException.class);
    }

    @Test
    void aSinkFailureIsThrownAndTheWorkersEnd() throws Exception {
        OutputStream broken = new OutputStream() {
            int n;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++n > 3) {
                    throw new IOException("disk full");
                }
            }
        };
        assertThatThrownBy(() -> {
            try (OutputStream z = new ParallelGzipOutputStream(broken, 6, 2, BLOCK, ParallelGzipOutputStream::deflateBlock)) {
                z.write(data(30 * BLOCK, 8));
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("disk full");
    }

    @Test
    void memoryIsBoundedTheWriterWaitsForTheOldestBlock() throws Exception {
        // a slow worker: the writer may get at most 2 x threads blocks ahead
        AtomicInteger started = new AtomicInteger();
        AtomicInteger maxAhead = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        ParallelGzipOutputStream.BlockDeflater slow = (level, dict, data, len, last) -> {
            started.incrementAndGet();
            try {
                TimeUnit.MILLISECONDS.sleep(5); // simulates a slow block; the bound is what is asserted
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ParallelGzipOutputStream.deflateBlock(level, dict, data, len, last);
        };
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) {
                written.incrementAndGet();
            }
        };
        try (ParallelGzipOutputStream z = new ParallelGzipOutputStream(counting, 1, 2, ParallelGzipOutputStream.DICTIONARY, slow)) {
            byte[] chunk = new byte[ParallelGzipOutputStream.DICTIONARY];
            for (int i = 0; i < 40; i++) {
                z.write(chunk);
                // blocks handed to workers minus blocks written out (the header is write #1)
                maxAhead.accumulateAndGet(i + 1 - (written.get() - 1), Math::max);
            }
        }
        assertThat(maxAhead.get()).isLessThanOrEqualTo(2 * 2 + 1);
        assertThat(started.get()).isEqualTo(41); // 40 full blocks and the (empty) final one
    }

    @Test
    void rejectsBadArguments() {
        OutputStream sink = OutputStream.nullOutputStream();
        assertThatThrownBy(() -> new ParallelGzipOutputStream(sink, 0, 2)).hasMessageContaining("level");
        assertThatThrownBy(() -> new ParallelGzipOutputStream(sink, 6, 0)).hasMessageContaining("threads");
    }

    private byte[] gunzipBinary(byte[] gz) throws Exception {
        Path in = tmp.resolve("in-" + System.nanoTime() + ".gz");
        Path out = tmp.resolve("out-" + System.nanoTime());
        Files.write(in, gz);
        Process p = new ProcessBuilder("gzip", "-dc", in.toString()).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("gzip -dc exit code").isZero();
        return Files.readAllBytes(out);
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
