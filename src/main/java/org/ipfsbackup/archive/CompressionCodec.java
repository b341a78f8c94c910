package org.ipfsbackup.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The one place where the archive's compression streams are made. {@link TarGzArchiver} and
 * {@link TarGzExtractor} only ever talk to a codec, so another compression (parallel gzip, zstd) is a new
 * implementation of this interface and nothing else.
 */
public interface CompressionCodec {

    /** Short name for logs and manifests, e.g. {@code "gzip"}. */
    String name();

    /**
     * Wraps {@code sink} in a compressing stream. Closing the returned stream must finish the compressed
     * format and close {@code sink}.
     */
    OutputStream compress(OutputStream sink) throws IOException;

    /** Wraps {@code source} in a decompressing stream. */
    InputStream decompress(InputStream source) throws IOException;
}
