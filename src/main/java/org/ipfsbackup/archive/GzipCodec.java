package org.ipfsbackup.archive;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/** Single-threaded gzip (RFC 1952). Reading accepts concatenated members, as written by pigz or {@code cat a.gz b.gz}. */
public final class GzipCodec implements CompressionCodec {

    public static final int DEFAULT_LEVEL = 6;
    private static final int BUFFER = 64 * 1024;

    private final int level;

    public GzipCodec(int level) {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("archive.gzip-level must be between 1 and 9, got " + level);
        }
        this.level = level;
    }

    public int level() {
        return level;
    }

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public OutputStream compress(OutputStream sink) throws IOException {
        GzipParameters parameters = new GzipParameters();
        parameters.setCompressionLevel(level);
        return new GzipCompressorOutputStream(new BufferedOutputStream(sink, BUFFER), parameters);
    }

    @Override
    public InputStream decompress(InputStream source) throws IOException {
        GzipCompressorInputStream gzip = GzipCompressorInputStream.builder()
                .setInputStream(new BufferedInputStream(source, BUFFER))
                .setDecompressConcatenated(true)
                .get();
        return new BufferedInputStream(gzip, BUFFER);
    }
}
