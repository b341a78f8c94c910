package org.ipfsbackup.crypto;

import com.google.crypto.tink.subtle.StreamSegmentEncrypter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Encrypts everything written to it into the sink, one segment at a time (memory: two segment buffers).
 * The ipfs-backup header and Tink's stream header are written when the stream is created.
 *
 * <p><b>close() seals the file</b>: it encrypts the buffered rest as the final segment, after which the
 * file decrypts as complete. If the producer of the plaintext failed part-way, call {@link #abort()}
 * instead, which closes the sink without a final segment, so the partial file can never be mistaken for
 * a complete one (decryption reports it as truncated). After a write or encryption error the stream
 * aborts by itself: close() then never seals.
 *
 * <p>{@link #flush()} only flushes the sink; data in the current segment stays buffered until the
 * segment is full or the stream is closed. Not thread-safe.
 */
public final class EncryptingOutputStream extends OutputStream {

    private final OutputStream sink;
    private final StreamSegmentEncrypter encrypter;
    private final ByteBuffer plaintext;
    private final ByteBuffer ciphertext;
    private final WrappedKey dataKey;
    private boolean closed;
    private boolean broken;

    /**
     * @param firstPlaintextSize plaintext bytes of segment 0, which is shorter because Tink's stream header
     *                           shares its segment
     */
    EncryptingOutputStream(OutputStream sink, byte[] fileHeader, StreamSegmentEncrypter encrypter,
                           int ciphertextSegmentSize, int firstPlaintextSize, WrappedKey dataKey) throws IOException {
        this.sink = sink;
        this.dataKey = dataKey;
        this.encrypter = encrypter;
        this.plaintext = ByteBuffer.allocate(ciphertextSegmentSize - BackupCipher.TAG_BYTES);
        this.plaintext.limit(firstPlaintextSize);
        this.ciphertext = ByteBuffer.allocate(ciphertextSegmentSize);
        ByteBuffer streamHeader = encrypter.getHeader();
        byte[] start = Arrays.copyOf(fileHeader, fileHeader.length + streamHeader.remaining());
        streamHeader.get(start, fileHeader.length, streamHeader.remaining());
        sink.write(start);
    }

    /** This file's data key as wrapped in its header (for the manifest entry). */
    public WrappedKey dataKey() {
        return dataKey;
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (!plaintext.hasRemaining()) {
            seal(false);
        }
        plaintext.put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            // A full segment is sealed only once more data arrives: the final segment may be full-size.
            if (!plaintext.hasRemaining()) {
                seal(false);
            }
            int n = Math.min(len, plaintext.remaining());
            plaintext.put(b, off, n);
            off += n;
            len -= n;
        }
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        sink.flush();
    }

    /** Seals the final segment and closes the sink (unless the stream was aborted or broke). */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (!broken) {
                seal(true);
                sink.flush();
            }
        } finally {
            closed = true;
            wipeBuffers();
            sink.close();
        }
    }

    /** Closes the sink WITHOUT sealing: what was written so far stays detectably incomplete. */
    public void abort() throws IOException {
        if (closed) {
            return;
        }
        broken = true;
        closed = true;
        wipeBuffers();
        sink.close();
    }

    private void seal(boolean last) throws IOException {
        plaintext.flip();
        ciphertext.clear();
        try {
            encrypter.encryptSegment(plaintext, last, ciphertext);
            sink.write(ciphertext.array(), 0, ciphertext.position());
        } catch (GeneralSecurityException e) {
            broken = true;
            throw new IOException("encryption failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
        plaintext.clear();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("encrypting stream is closed");
        }
        if (broken) {
            throw new IOException("encrypting stream failed earlier; the output is incomplete");
        }
    }

    private void wipeBuffers() {
        Arrays.fill(plaintext.array(), (byte) 0);
    }
}
