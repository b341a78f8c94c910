package org.ipfsbackup.restore;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

import org.bson.RawBsonDocument;

/**
 * Streams the documents of a {@code .bson} file as written by mongodump (and the oplog dump): a plain
 * concatenation of BSON documents, each an int32 little-endian total length followed by the rest of the
 * document. One document is in memory at a time; documents are returned exactly as stored.
 *
 * <pre>{@code
 * try (BsonFileReader reader = new BsonFileReader(file)) {
 *     for (RawBsonDocument doc : reader) { ... }
 * }
 * }</pre>
 * Iteration throws {@link UncheckedIOException} on a read error; {@link #read()} throws the {@link IOException}.
 * A file that ends inside a document, or holds an impossible length, fails with the byte offset.
 */
public final class BsonFileReader implements Closeable, Iterable<RawBsonDocument> {

    /** MongoDB's largest document (16 MiB) plus the internal headroom the server allows (16 KiB). */
    public static final int MAX_DOCUMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;
    private static final int MIN_DOCUMENT_BYTES = 5;

    private final InputStream in;
    private final String source;
    private long offset;
    private int documents;
    private boolean iterated;

    public BsonFileReader(Path file) throws IOException {
        this(Files.newInputStream(file), file.toString());
    }

    /** @param source name used in error messages (a file name) */
    public BsonFileReader(InputStream in, String source) {
        this.in = new BufferedInputStream(Objects.requireNonNull(in, "in"), 64 * 1024);
        this.source = source;
    }

    /** The next document, or {@code null} at the end of the stream. */
    public RawBsonDocument read() throws IOException {
        byte[] lengthBytes = new byte[4];
        int first = in.readNBytes(lengthBytes, 0, 4);
        if (first == 0) {
            return null;
        }
        if (first < 4) {
            throw new EOFException(source + ": truncated document length at byte offset " + offset);
        }
        int length = (lengthBytes[0] & 0xFF) | (lengthBytes[1] & 0xFF) << 8 | (lengthBytes[2] & 0xFF) << 16
                | (lengthBytes[3] & 0xFF) << 24;
        if (length < MIN_DOCUMENT_BYTES || length > MAX_DOCUMENT_BYTES) {
            throw new IOException(source + ": invalid document length " + length + " at byte offset " + offset);
        }
        byte[] bytes = new byte[length];
        System.arraycopy(lengthBytes, 0, bytes, 0, 4);
        int rest = in.readNBytes(bytes, 4, length - 4);
        if (rest < length - 4) {
            throw new EOFException(source + ": truncated document at byte offset " + offset + " (" + (rest + 4)
                    + " of " + length + " bytes)");
        }
        if (bytes[length - 1] != 0) {
            throw new IOException(source + ": document at byte offset " + offset + " does not end with a NUL byte");
        }
        offset += length;
        documents++;
        return new RawBsonDocument(bytes);
    }

    /** Bytes consumed so far (the offset of the next document). */
    public long bytesRead() {
        return offset;
    }

    /** Documents returned so far. */
    public int documentsRead() {
        return documents;
    }

    /** Iterates the remaining documents; may be called once. */
    @Override
    public Iterator<RawBsonDocument> iterator() {
        if (iterated) {
            throw new IllegalStateException("a BsonFileReader can be iterated only once");
        }
        iterated = true;
        return new Iterator<>() {
            private RawBsonDocument next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (next == null && !done) {
                    try {
                        next = read();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    done = next == null;
                }
                return next != null;
            }

            @Override
            public RawBsonDocument next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                RawBsonDocument result = next;
                next = null;
                return result;
            }
        };
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
