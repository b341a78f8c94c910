package org.ipfsbackup.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;

/**
 * Gzip on several cores ({@link ParallelGzipOutputStream}, pigz's scheme). The output is one ordinary gzip member,
 * so it is named {@code "gzip"} like {@link GzipCodec}: anything that reads one reads the other.
 */
public final class ParallelGzipCodec implements CompressionCodec {

    private static final int BUFFER = 64 * 1024;

    private final int level;
    private final int threads;

    public ParallelGzipCodec(int level, int threads) {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("archive.gzip-level must be between 1 and 9, got " + level);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("archive.threads must be at least 1, got " + threads);
        }
        this.level = level;
        this.threads = threads;
    }

    public int level() {
        return level;
    }

    public int threads() {
        return threads;
    }

    @Override
    public String name() {
        return Compression.GZIP;
    }

    @Override
    public OutputStream compress(OutputStream sink) throws IOException {
        return new ParallelGzipOutputStream(sink, level, threads);
    }

    /** The JDK's reader (zlib's inflate); reads concatenated members too. */
    @Override
    public InputStream decompress(InputStream source) throws IOException {
        return new BufferedInputStream(new GZIPInputStream(new BufferedInputStream(source, BUFFER), BUFFER), BUFFER);
    }
}
