package org.ipfsbackup.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzip on several cores, pigz's scheme: the input is cut into blocks that are deflated independently and in
 * parallel, each primed with the previous block's last 32 KiB as its dictionary (so matches reach back across block
 * boundaries and the ratio stays within a fraction of a percent of single-threaded deflate), each ending with a
 * sync flush (byte-aligned), the last one with the final-block bit. The result is ONE ordinary gzip member
 * (RFC 1952): {@code gunzip}, {@code tar -xz}, {@link java.util.zip.GZIPInputStream} read it as usual.
 *
 * <p>The CRC-32 and length are computed on the writing thread (CRC-32 is an intrinsic, far faster than deflate).
 * Memory is bounded: at most {@code 2 × threads} blocks are in flight (each its input and its compressed output);
 * a writer that gets ahead blocks until the oldest block is written out, in order.
 *
 * <p>The worker threads belong to this stream: they are daemon threads, and {@link #close()} ends them, also when
 * compression failed. A worker's failure is thrown (as an {@link IOException} with the cause) from the next
 * {@code write} or {@code close}; after a failure, {@code close} only releases the threads and closes the sink (the
 * output, without its trailer, is not a valid gzip file). Not thread-safe: one writer.
 */
public final class ParallelGzipOutputStream extends OutputStream {

    /** Deflate's window: how much of the previous block primes the next. */
    static final int DICTIONARY = 32 * 1024;
    public static final int DEFAULT_BLOCK_SIZE = 1024 * 1024;
    private static final AtomicInteger STREAMS = new AtomicInteger();
    /** Each worker thread's output buffer (the threads end with their stream, and the buffers with them). */
    private static final ThreadLocal<byte[]> SCRATCH = new ThreadLocal<>();
    /** Name prefix of the worker threads (tests check none is left). */
    static final String THREAD_PREFIX = "ipfs-backup-pgzip-";

    /** Deflates one block; replaceable in tests to make a worker fail. */
    interface BlockDeflater {
        byte[] deflate(int level, byte[] dictionary, byte[] data, int length, boolean last);
    }

    private final OutputStream sink;
    private final int level;
    private final int blockSize;
    private final int maxInFlight;
    private final BlockDeflater deflater;
    private final ExecutorService workers;
    private final ArrayDeque<Job> inFlight = new ArrayDeque<>();
    /** Input blocks whose compression is done, for reuse (at most maxInFlight + 1 blocks ever exist). */
    private final ArrayDeque<byte[]> freeBlocks = new ArrayDeque<>();
    private final CRC32 crc = new CRC32();
    private byte[] block;
    private int filled;
    private byte[] dictionary; // last 32 KiB of the previous block, null for the first
    private long length;
    private boolean closed;
    private IOException failure;

    /** @param threads worker threads (1 works, but {@link java.util.zip.GZIPOutputStream} is then as good) */
    public ParallelGzipOutputStream(OutputStream sink, int level, int threads) throws IOException {
        this(sink, level, threads, DEFAULT_BLOCK_SIZE, ParallelGzipOutputStream::deflateBlock);
    }

    ParallelGzipOutputStream(OutputStream sink, int level, int threads, int blockSize, BlockDeflater deflater) throws IOException {
        this.sink = Objects.requireNonNull(sink, "sink");
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be between 1 and 9, got " + level);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("compression threads must be at least 1, got " + threads);
        }
        if (blockSize < DICTIONARY) {
            throw new IllegalArgumentException("block size must be at least " + DICTIONARY + " bytes, got " + blockSize);
        }
        this.level = level;
        this.blockSize = blockSize;
        this.maxInFlight = 2 * threads;
        this.deflater = deflater;
        this.block = new byte[blockSize];
        int stream = STREAMS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, THREAD_PREFIX + stream + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.workers = Executors.newFixedThreadPool(threads, factory);
        try {
            // RFC 1952 header: deflate, no flags, no mtime, no extra flags, OS unknown
            sink.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
        } catch (IOException | RuntimeException e) {
            workers.shutdownNow();
            throw e;
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        crc.update(b, off, len);
        length += len;
        while (len > 0) {
            int n = Math.min(len, blockSize - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == blockSize) {
                submit(false);
            }
        }
    }

    /** Writes out the blocks that are done, without waiting for the others (data stays buffered until close). */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        while (!inFlight.isEmpty() && inFlight.peekFirst().result().isDone()) {
            writeOldest();
        }
        sink.flush();
    }

    /** Compresses what is left, writes the trailer, closes the sink and ends the worker threads. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (failure != null) {
                return; // already thrown to the writer; the output is incomplete and gets no trailer
            }
            submit(true);
            while (!inFlight.isEmpty()) {
                writeOldest();
            }
            byte[] trailer = new byte[8];
            int c = (int) crc.getValue();
            int size = (int) length; // ISIZE is the length modulo 2^32
            for (int i = 0; i < 4; i++) {
                trailer[i] = (byte) (c >>> (8 * i));
                trailer[4 + i] = (byte) (size >>> (8 * i));
            }
            sink.write(trailer);
            sink.flush();
        } finally {
            for (Job j : inFlight) {
                j.result().cancel(true);
            }
            inFlight.clear();
            workers.shutdownNow();
            sink.close();
        }
    }

    private void submit(boolean last) throws IOException {
        byte[] data = block;
        int len = filled;
        byte[] dict = dictionary;
        if (!last) {
            // only the last block can be shorter than a block, and nothing follows it
            dictionary = Arrays.copyOfRange(data, len - DICTIONARY, len);
        }
        try {
            inFlight.addLast(new Job(workers.submit(() -> deflater.deflate(level, dict, data, len, last)), data));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IOException("parallel gzip: workers are gone", e);
        }
        filled = 0;
        block = null;
        while (inFlight.size() > maxInFlight) {
            writeOldest();
        }
        if (!last) {
            block = freeBlocks.isEmpty() ? new byte[blockSize] : freeBlocks.pollFirst();
        }
    }

    private record Job(Future<byte[]> result, byte[] input) {
    }

    private void writeOldest() throws IOException {
        Job oldest = inFlight.pollFirst();
        byte[] compressed;
        try {
            compressed = oldest.result().get();
        } catch (ExecutionException e) {
            failure = new IOException("parallel gzip: compressing a block failed: " + e.getCause(), e.getCause());
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new InterruptedIOException("parallel gzip: interrupted while waiting for a block");
            throw failure;
        }
        freeBlocks.addLast(oldest.input());
        try {
            sink.write(compressed);
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            throw e;
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("parallel gzip stream is closed");
        }
        if (failure != null) {
            throw new IOException("parallel gzip stream failed earlier: " + failure.getMessage(), failure);
        }
    }

    /**
     * Raw deflate of one block, primed with {@code dictionary}; ends with a sync flush (byte-aligned, an empty stored
     * block) or, for the last block, with the final block.
     */
    static byte[] deflateBlock(int level, byte[] dictionary, byte[] data, int length, boolean last) {
        Deflater d = new Deflater(level, true);
        try {
            if (dictionary != null) {
                d.setDictionary(dictionary);
            }
            d.setInput(data, 0, length);
            if (last) {
                d.finish();
            }
            byte[] out = SCRATCH.get();
            int bound = length + (length >> 6) + 64;
            if (out == null || out.length < bound) {
                out = new byte[bound];
                SCRATCH.set(out);
            }
            int pos = 0;
            while (true) {
                if (pos == out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                    SCRATCH.set(out);
                }
                int room = out.length - pos;
                int n = d.deflate(out, pos, room, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
                pos += n;
                if (last ? d.finished() : n < room) {
                    break;
                }
            }
            return Arrays.copyOf(out, pos); // the scratch buffer stays with this worker thread
        } finally {
            d.end();
        }
    }
}
