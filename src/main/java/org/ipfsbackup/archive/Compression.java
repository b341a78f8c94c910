package org.ipfsbackup.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;

/**
 * The archive codecs by name ({@code gzip}, {@code zstd}): which one a backup is written with, the archive extension
 * that names it, and which one reads a given archive.
 *
 * <p>Reading decides by the manifest's {@code compression} field when there is one, else by the file name
 * ({@code .tar.zst}, {@code .tar.gz}), else by the magic bytes; and always checks the magic bytes, so a mismatch
 * fails with a message naming both rather than as a decompression error deep in the stream. Backups made before
 * zstd existed ({@code .tar.gz.enc}, {@code compression: gzip} or nothing) read as gzip.
 */
public final class Compression {

    public static final String GZIP = "gzip";
    public static final String ZSTD = "zstd";
    public static final List<String> NAMES = List.of(GZIP, ZSTD);

    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    private Compression() {
    }

    /**
     * The codec that writes backups.
     *
     * @param name    {@code gzip} or {@code zstd} (case-insensitive)
     * @param threads compression threads (gzip blocks in parallel, zstd workers)
     * @throws IllegalArgumentException naming the setting, for an unknown name or an out-of-range number
     */
    public static CompressionCodec forWriting(String name, int gzipLevel, int zstdLevel, int threads) {
        String n = normalize(name);
        if (n.equals(GZIP)) {
            return threads == 1 ? new GzipCodec(gzipLevel) : new ParallelGzipCodec(gzipLevel, threads);
        }
        if (n.equals(ZSTD)) {
            return new ZstdCodec(zstdLevel, threads);
        }
        throw new IllegalArgumentException("backup.compression must be one of " + NAMES + ", got '" + name + "'");
    }

    /** {@code .tar.gz} or {@code .tar.zst}. */
    public static String archiveExtension(String name) {
        return switch (normalize(name)) {
            case GZIP -> ".tar.gz";
            case ZSTD -> ".tar.zst";
            default -> throw new IllegalArgumentException("unknown compression '" + name + "', expected one of " + NAMES);
        };
    }

    /** The codec a file name says ({@code x.tar.zst[.enc]}, {@code x.tar.gz[.enc]}, {@code .tgz}), or null. */
    public static String fromFileName(String fileName) {
        if (fileName == null) {
            return null;
        }
        String f = fileName.toLowerCase(Locale.ROOT);
        if (f.endsWith(".enc")) {
            f = f.substring(0, f.length() - 4);
        }
        if (f.endsWith(".zst") || f.endsWith(".tzst")) {
            return ZSTD;
        }
        if (f.endsWith(".gz") || f.endsWith(".tgz")) {
            return GZIP;
        }
        return null;
    }

    /** A reader that decides by the magic bytes alone. */
    public static CompressionCodec detecting() {
        return forReading(null, null);
    }

    /**
     * A reader for an archive the manifest and/or file name describe (either may be null).
     *
     * @throws IllegalArgumentException when the manifest names a codec this version does not know
     */
    public static CompressionCodec forReading(String manifestCompression, String fileName) {
        String declared = null;
        String source = null;
        if (manifestCompression != null && !manifestCompression.isBlank()) {
            declared = normalize(manifestCompression);
            source = "the manifest";
            if (!NAMES.contains(declared)) {
                throw new IllegalArgumentException("the manifest says compression '" + manifestCompression
                        + "', which this version cannot read (it reads " + NAMES + ")");
            }
        } else if (fromFileName(fileName) != null) {
            declared = fromFileName(fileName);
            source = "the file name " + fileName;
        }
        return new Reader(declared, source);
    }

    static String sniff(byte[] head, int n) {
        if (startsWith(head, n, ZSTD_MAGIC)) {
            return ZSTD;
        }
        if (startsWith(head, n, GZIP_MAGIC)) {
            return GZIP;
        }
        return null;
    }

    private static boolean startsWith(byte[] head, int n, byte[] magic) {
        if (n < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static String normalize(String name) {
        return name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    }

    /** Reads with the codec the magic bytes show, after checking them against what was declared. */
    private static final class Reader implements CompressionCodec {
        private final String declared;
        private final String source;

        Reader(String declared, String source) {
            this.declared = declared;
            this.source = source;
        }

        @Override
        public String name() {
            return declared == null ? "auto" : declared;
        }

        @Override
        public OutputStream compress(OutputStream sink) {
            throw new UnsupportedOperationException("a reading codec does not compress");
        }

        @Override
        public InputStream decompress(InputStream source) throws IOException {
            BufferedInputStream in = new BufferedInputStream(source, 64 * 1024);
            in.mark(8);
            byte[] head = new byte[4];
            int n = in.readNBytes(head, 0, head.length);
            in.reset();
            String actual = sniff(head, n);
            if (actual == null) {
                throw new IOException(n == 0 ? "the archive is empty" : "the archive is neither gzip nor zstd (it starts with "
                        + java.util.HexFormat.of().formatHex(head, 0, n) + ")"
                        + (declared == null ? "" : "; " + this.source + " says " + declared));
            }
            if (declared != null && !declared.equals(actual)) {
                throw new IOException("the archive is " + actual + "-compressed but " + this.source + " says " + declared);
            }
            return actual.equals(ZSTD) ? new ZstdCodec(ZstdCodec.DEFAULT_LEVEL, 1).decompress(in)
                    : new ParallelGzipCodec(GzipCodec.DEFAULT_LEVEL, 1).decompress(in);
        }
    }
}
