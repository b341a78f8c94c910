package org.ipfsbackup.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads another stream ahead on a thread of its own, so that producing the data (decrypting and decompressing) and
 * consuming it (parsing tar, writing files) use two cores. Bounded: at most {@code QUEUE} chunks of {@code CHUNK} bytes
 * wait. An exception of the source is thrown to the reader, in order. {@link #close()} stops the thread (waiting for
 * a read in progress to return) but does not close the source, which stays the caller's.
 *
 * <p>Not commons-io's {@code ReadAheadInputStream}: that one takes an {@link java.io.EOFException} of the source for
 * the end of the stream, and {@code GZIPInputStream} throws exactly that for a truncated archive ("Unexpected end of
 * ZLIB input stream"), so a cut-off backup would read as a shorter, complete one. The test with a source failing
 * with {@code EOFException} pins this.
 */
final class ReadAheadInputStream extends InputStream {

    static final int CHUNK = 256 * 1024;
    static final int QUEUE = 8;
    static final String THREAD_PREFIX = "ipfs-backup-readahead-";
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final byte[] END = new byte[0];

    private final InputStream source;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread thread;
    private volatile boolean cancelled;
    private byte[] current = new byte[0];
    private int pos;
    private int limit;
    private boolean eof;

    private ReadAheadInputStream(InputStream source) {
        this.source = source;
        this.thread = new Thread(this::produce, THREAD_PREFIX + THREADS.incrementAndGet());
        thread.setDaemon(true);
    }

    static ReadAheadInputStream start(InputStream source) {
        ReadAheadInputStream s = new ReadAheadInputStream(source);
        s.thread.start();
        return s;
    }

    private void produce() {
        try {
            while (!cancelled) {
                byte[] chunk = new byte[CHUNK];
                int n = source.readNBytes(chunk, 0, CHUNK);
                if (n > 0 && !put(n == CHUNK ? chunk : java.util.Arrays.copyOf(chunk, n))) {
                    return;
                }
                if (n < CHUNK) {
                    put(END);
                    return;
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            put(e);
        }
    }

    /** Waits for room; false once cancelled. */
    private boolean put(Object item) {
        try {
            while (!cancelled) {
                if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        while (pos == limit) {
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for data");
            }
            if (item == END) {
                eof = true;
                return false;
            }
            if (item instanceof IOException e) {
                eof = true;
                throw e; // the source's own exception (its type tells callers what went wrong), thrown here
            }
            if (item instanceof RuntimeException e) {
                eof = true;
                throw e;
            }
            if (item instanceof Error e) {
                eof = true;
                throw e;
            }
            current = (byte[]) item;
            pos = 0;
            limit = current.length;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return current[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (pos == limit && !fill()) {
            return -1;
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return limit - pos;
    }

    /** Stops the reading thread and waits for it (a read of the source in progress is let finish). */
    @Override
    public void close() throws IOException {
        cancelled = true;
        queue.clear();
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eof = true;
    }
}
