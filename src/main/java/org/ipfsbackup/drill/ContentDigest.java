package org.ipfsbackup.drill;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The order-independent digest of a collection's documents: the sum, modulo 2^256, of the sha256 of each document's
 * raw BSON bytes (as the server returns them and as a dump's {@code .bson} file holds them), and their count. A sum
 * rather than an XOR so that two equal documents do not cancel out. Fed one document at a time: memory does not grow
 * with the collection. Not thread-safe: one instance per collection being read.
 */
public final class ContentDigest {
    /** The 256-bit sum as four 64-bit words, most significant first. */
    private final long[] sum = new long[4];
    private final MessageDigest sha256;
    private long documents;

    public ContentDigest() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }

    /** Adds one document, {@code length} bytes of raw BSON from {@code offset}. */
    public void add(byte[] bson, int offset, int length) {
        sha256.update(bson, offset, length);
        addHash(sha256.digest());
    }

    private void addHash(byte[] h) {
        long carry = 0;
        for (int w = 3; w >= 0; w--) {
            long word = 0;
            for (int i = 0; i < 8; i++) {
                word = (word << 8) | (h[w * 8 + i] & 0xFF);
            }
            long a = sum[w];
            long s = a + word + carry;
            // unsigned overflow: the carry into the next (more significant) word
            carry = (Long.compareUnsigned(s, a) < 0 || (carry == 1 && s == a)) ? 1 : 0;
            sum[w] = s;
        }
        documents++;
    }

    public void add(byte[] bson) {
        add(bson, 0, bson.length);
    }

    /** Adds a document as the driver returns it, without copying its bytes. */
    public void add(org.bson.RawBsonDocument doc) {
        sha256.update(doc.getByteBuffer().asNIO());
        addHash(sha256.digest());
    }

    public long documents() {
        return documents;
    }

    /** The digest so far, 64 hex digits. */
    public String hex() {
        StringBuilder sb = new StringBuilder(64);
        for (long w : sum) {
            sb.append(String.format("%016x", w));
        }
        return sb.toString();
    }

    public CollectionDigest of(String namespace) {
        return new CollectionDigest(namespace, documents, hex());
    }
}
