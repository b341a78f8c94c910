package org.ipfsbackup.crypto;

import static org.ipfsbackup.crypto.DecryptionException.Reason.AUTHENTICATION_FAILED;
import static org.ipfsbackup.crypto.DecryptionException.Reason.TRUNCATED;

import com.google.crypto.tink.subtle.StreamSegmentDecrypter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Decrypts Tink AES-GCM-HKDF segments one at a time (memory: two segment buffers). A segment's plaintext
 * is released only after its tag verified, and end-of-stream (-1) only after the final segment (the one
 * whose nonce carries the last-segment flag) verified, so truncation, reordering and appended data are
 * detected. Errors are {@link DecryptionException}s and are sticky. Not thread-safe.
 */
final class DecryptingInputStream extends InputStream {

    private final InputStream source;
    private final StreamSegmentDecrypter decrypter;
    private final EncryptedFileHeader header;
    private final int firstCiphertextSize;
    private final ByteBuffer ciphertext;
    private final ByteBuffer plaintext;
    private int segmentNr;
    private int lookahead = -1;
    private boolean finalSegmentDone;
    private DecryptionException failure;

    DecryptingInputStream(InputStream source, StreamSegmentDecrypter decrypter, EncryptedFileHeader header,
                          int firstCiphertextSize) {
        this.source = source;
        this.decrypter = decrypter;
        this.header = header;
        this.firstCiphertextSize = firstCiphertextSize;
        this.ciphertext = ByteBuffer.allocate(header.segmentSize());
        this.plaintext = ByteBuffer.allocate(header.segmentSize() - BackupCipher.TAG_BYTES);
        this.plaintext.limit(0);
    }

    EncryptedFileHeader header() {
        return header;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (failure != null) {
            throw failure;
        }
        if (len == 0) {
            return 0;
        }
        while (!plaintext.hasRemaining()) {
            if (finalSegmentDone) {
                return -1;
            }
            try {
                nextSegment();
            } catch (DecryptionException e) {
                failure = e;
                throw e;
            }
        }
        int n = Math.min(len, plaintext.remaining());
        plaintext.get(b, off, n);
        return n;
    }

    @Override
    public int available() {
        return plaintext.remaining();
    }

    @Override
    public void close() throws IOException {
        Arrays.fill(plaintext.array(), (byte) 0);
        plaintext.limit(0);
        source.close();
    }

    private void nextSegment() throws IOException {
        int expected = segmentNr == 0 ? firstCiphertextSize : header.segmentSize();
        ciphertext.clear().limit(expected);
        if (lookahead >= 0) {
            ciphertext.put((byte) lookahead);
            lookahead = -1;
        }
        while (ciphertext.hasRemaining()) {
            int n = source.read(ciphertext.array(), ciphertext.position(), ciphertext.remaining());
            if (n < 0) {
                break;
            }
            ciphertext.position(ciphertext.position() + n);
        }
        // The segment is the final one exactly when the input ends right after it.
        boolean last;
        if (ciphertext.hasRemaining()) {
            last = true;
        } else {
            lookahead = source.read();
            last = lookahead < 0;
        }
        ciphertext.flip();
        int size = ciphertext.remaining();
        if (size < BackupCipher.TAG_BYTES) {
            throw new DecryptionException(TRUNCATED, "truncated: file ends before its last segment (segment "
                    + segmentNr + " has " + size + " bytes, less than a GCM tag)");
        }
        if (segmentNr == Integer.MAX_VALUE) {
            throw new DecryptionException(AUTHENTICATION_FAILED, "too many segments");
        }
        plaintext.clear();
        try {
            decrypter.decryptSegment(ciphertext, segmentNr, last, plaintext);
        } catch (GeneralSecurityException e) {
            throw segmentFailure(last, size, e);
        }
        plaintext.flip();
        segmentNr++;
        finalSegmentDone = last;
    }

    /**
     * A full-size segment followed by end-of-input that verifies as a NON-final segment means the input was
     * cut at a segment boundary; anything else that fails the tag check is corruption or tampering (the key
     * itself was already verified against the header's key check).
     */
    private DecryptionException segmentFailure(boolean last, int size, GeneralSecurityException cause) {
        try {
            int expected = segmentNr == 0 ? firstCiphertextSize : header.segmentSize();
            if (last && size == expected && verifiesAsNonFinal()) {
                return new DecryptionException(TRUNCATED, "truncated: file ends before its last segment (segment "
                        + segmentNr + " is intact but not the final one)");
            }
            return new DecryptionException(AUTHENTICATION_FAILED, "authentication failed: corrupted, tampered or"
                    + " truncated data in segment " + segmentNr + (last ? " (the final segment)" : ""), cause);
        } finally {
            // whatever the cipher may have written for a segment that failed is never released
            Arrays.fill(plaintext.array(), (byte) 0);
            plaintext.clear().limit(0);
        }
    }

    private boolean verifiesAsNonFinal() {
        ciphertext.rewind();
        plaintext.clear();
        try {
            decrypter.decryptSegment(ciphertext, segmentNr, false, plaintext);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
