package org.ipfsbackup.archive;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;

/**
 * Zstandard (RFC 8878) through zstd-jni: libzstd's own multi-threaded compression ({@code nbWorkers}), with the
 * content checksum on, so {@code zstd -d} and {@code tar --zstd -x} read the archive and a corrupt frame fails.
 */
public final class ZstdCodec implements CompressionCodec {

    public static final int DEFAULT_LEVEL = 3;
    private static final int BUFFER = 128 * 1024;

    private final int level;
    private final int workers;

    /**
     * @param level   1-19 (zstd's normal range; 3 is zstd's default)
     * @param workers libzstd worker threads; 1 = compress on the calling thread
     */
    public ZstdCodec(int level, int workers) {
        if (level < 1 || level > 19) {
            throw new IllegalArgumentException("archive.zstd-level must be between 1 and 19, got " + level);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("archive.threads must be at least 1, got " + workers);
        }
        this.level = level;
        this.workers = workers;
    }

    public int level() {
        return level;
    }

    @Override
    public String name() {
        return Compression.ZSTD;
    }

    @Override
    public OutputStream compress(OutputStream sink) throws IOException {
        ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(sink);
        try {
            z.setLevel(level);
            z.setChecksum(true);
            if (workers > 1) {
                z.setWorkers(workers);
            }
        } catch (IOException | RuntimeException e) {
            z.close();
            throw e;
        }
        return new BufferedOutputStream(z, BUFFER);
    }

    @Override
    public InputStream decompress(InputStream source) throws IOException {
        // reads concatenated frames (zstd's own behaviour) and fails on a truncated one
        return new BufferedInputStream(new ZstdInputStreamNoFinalizer(new BufferedInputStream(source, BUFFER)), BUFFER);
    }
}
