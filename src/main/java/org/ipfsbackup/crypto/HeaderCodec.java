package org.ipfsbackup.crypto;

import static org.ipfsbackup.crypto.DecryptionException.Reason.MALFORMED_HEADER;
import static org.ipfsbackup.crypto.DecryptionException.Reason.NOT_ENCRYPTED;
import static org.ipfsbackup.crypto.DecryptionException.Reason.TRUNCATED;
import static org.ipfsbackup.crypto.DecryptionException.Reason.UNSUPPORTED;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads and writes the ipfs-backup header: magic, version, total header length, then type-length-value
 * fields (see docs/format.md). Parsing is strict: the fields of the version (1: tags 01-07, 2: tags 01-08) must all
 * appear once, in tag order, with their exact lengths, and nothing else.
 */
final class HeaderCodec {

    static final byte[] MAGIC = "IPFSBKP".getBytes(StandardCharsets.US_ASCII);
    /** Version written: 2 (a wrapped per-file data key, field 08). Version 1 (no field 08) is still read. */
    static final int VERSION = 2;
    static final int VERSION_1 = 1;
    static final int FIXED_PART = MAGIC.length + 1 + 2;
    static final String KDF_PBKDF2_SHA256 = "PBKDF2-HMAC-SHA256";
    static final String AEAD_TINK_AES256_GCM_HKDF = "TINK-AES256-GCM-HKDF-SHA256";
    static final int SALT_BYTES = 16;
    static final int KEY_CHECK_BYTES = 32;
    /** Bounds accepted when reading, so a hostile header cannot make us spin for hours or allocate gigabytes. */
    static final int MAX_ITERATIONS = 10_000_000;
    static final int MIN_SEGMENT_SIZE = 4096;
    static final int MAX_SEGMENT_SIZE = 16 << 20;

    static final int TAG_KDF = 1;
    static final int TAG_ITERATIONS = 2;
    static final int TAG_SALT = 3;
    static final int TAG_AEAD = 4;
    static final int TAG_SEGMENT_SIZE = 5;
    static final int TAG_KEY_ID = 6;
    static final int TAG_KEY_CHECK = 7;
    static final int TAG_WRAPPED_KEY = 8;

    /** A parsed header together with the exact bytes it was read from (the associated data). */
    record Parsed(EncryptedFileHeader header, byte[] bytes) {
    }

    private HeaderCodec() {
    }

    static byte[] encode(EncryptedFileHeader h) {
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        field(fields, TAG_KDF, ascii(h.kdf()));
        field(fields, TAG_ITERATIONS, ByteBuffer.allocate(4).putInt(h.iterations()).array());
        field(fields, TAG_SALT, h.salt());
        field(fields, TAG_AEAD, ascii(h.aead()));
        field(fields, TAG_SEGMENT_SIZE, ByteBuffer.allocate(4).putInt(h.segmentSize()).array());
        field(fields, TAG_KEY_ID, ascii(h.keyId()));
        field(fields, TAG_KEY_CHECK, h.keyCheck());
        if ((h.version() >= 2) != (h.wrappedKey() != null)) {
            throw new IllegalArgumentException("a version " + h.version() + " header " + (h.version() >= 2 ? "needs" : "has no") + " a wrapped key");
        }
        if (h.wrappedKey() != null) {
            field(fields, TAG_WRAPPED_KEY, h.wrappedKey());
        }
        int total = FIXED_PART + fields.size();
        if (total > 0xFFFF) {
            throw new IllegalArgumentException("header too long: " + total);
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        out.put(MAGIC).put((byte) h.version()).putShort((short) total).put(fields.toByteArray());
        return out.array();
    }

    private static void field(ByteArrayOutputStream out, int tag, byte[] value) {
        if (value.length > 0xFFFF) {
            throw new IllegalArgumentException("header field " + tag + " too long");
        }
        out.write(tag);
        out.write(value.length >>> 8);
        out.write(value.length);
        out.writeBytes(value);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads exactly the header from {@code in}, leaving it positioned at the first byte after it. */
    static Parsed read(InputStream in) throws IOException {
        byte[] fixed = in.readNBytes(FIXED_PART);
        int magicSeen = Math.min(fixed.length, MAGIC.length);
        if (fixed.length == 0) {
            throw new DecryptionException(NOT_ENCRYPTED, "not an ipfs-backup encrypted file (empty input)");
        }
        if (!Arrays.equals(fixed, 0, magicSeen, MAGIC, 0, magicSeen)) {
            throw new DecryptionException(NOT_ENCRYPTED, "not an ipfs-backup encrypted file (bad magic)");
        }
        if (fixed.length < FIXED_PART) {
            throw new DecryptionException(TRUNCATED, "truncated: file ends inside the header");
        }
        int version = fixed[MAGIC.length] & 0xFF;
        if (version != VERSION && version != VERSION_1) {
            throw new DecryptionException(UNSUPPORTED, "unsupported format version " + version
                    + " (this build reads versions " + VERSION_1 + " and " + VERSION + ")");
        }
        int total = ((fixed[MAGIC.length + 1] & 0xFF) << 8) | (fixed[MAGIC.length + 2] & 0xFF);
        if (total < FIXED_PART) {
            throw malformed("header length " + total + " is smaller than its fixed part");
        }
        byte[] rest = in.readNBytes(total - FIXED_PART);
        if (rest.length < total - FIXED_PART) {
            throw new DecryptionException(TRUNCATED, "truncated: file ends inside the header");
        }
        byte[] all = Arrays.copyOf(fixed, total);
        System.arraycopy(rest, 0, all, FIXED_PART, rest.length);
        return new Parsed(parseFields(version, ByteBuffer.wrap(rest)), all);
    }

    private static EncryptedFileHeader parseFields(int version, ByteBuffer b) throws DecryptionException {
        String kdf = new String(next(b, TAG_KDF, -1), StandardCharsets.US_ASCII);
        int iterations = ByteBuffer.wrap(next(b, TAG_ITERATIONS, 4)).getInt();
        byte[] salt = next(b, TAG_SALT, SALT_BYTES);
        String aead = new String(next(b, TAG_AEAD, -1), StandardCharsets.US_ASCII);
        int segmentSize = ByteBuffer.wrap(next(b, TAG_SEGMENT_SIZE, 4)).getInt();
        String keyId = new String(next(b, TAG_KEY_ID, -1), StandardCharsets.US_ASCII);
        byte[] keyCheck = next(b, TAG_KEY_CHECK, KEY_CHECK_BYTES);
        byte[] wrappedKey = version >= 2 ? next(b, TAG_WRAPPED_KEY, WrappedKey.WRAPPED_BYTES) : null;
        if (b.hasRemaining()) {
            throw malformed("unexpected data after the last field (tag " + (b.get(b.position()) & 0xFF) + ")");
        }
        if (!KDF_PBKDF2_SHA256.equals(kdf)) {
            throw new DecryptionException(UNSUPPORTED, "unsupported key derivation function '" + printable(kdf) + "'");
        }
        if (!AEAD_TINK_AES256_GCM_HKDF.equals(aead)) {
            throw new DecryptionException(UNSUPPORTED, "unsupported cipher '" + printable(aead) + "'");
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw malformed("KDF iterations " + Integer.toUnsignedString(iterations) + " out of range 1.." + MAX_ITERATIONS);
        }
        if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
            throw malformed("segment size " + Integer.toUnsignedString(segmentSize) + " out of range "
                    + MIN_SEGMENT_SIZE + ".." + MAX_SEGMENT_SIZE);
        }
        if (!EncryptionKey.isValidKeyId(keyId)) {
            throw malformed("invalid key id '" + printable(keyId) + "'");
        }
        return new EncryptedFileHeader(version, kdf, iterations, salt, aead, segmentSize, keyId, keyCheck, wrappedKey);
    }

    /** The next field, which must carry {@code tag} and, if {@code length >= 0}, exactly that many bytes. */
    private static byte[] next(ByteBuffer b, int tag, int length) throws DecryptionException {
        if (b.remaining() < 3) {
            throw malformed("field " + tag + " missing");
        }
        int actualTag = b.get() & 0xFF;
        int actualLength = b.getShort() & 0xFFFF;
        if (actualTag != tag) {
            throw malformed("expected field " + tag + ", found field " + actualTag);
        }
        if (length >= 0 && actualLength != length) {
            throw malformed("field " + tag + " has length " + actualLength + ", expected " + length);
        }
        if (actualLength > b.remaining()) {
            throw malformed("field " + tag + " extends beyond the header");
        }
        byte[] value = new byte[actualLength];
        b.get(value);
        return value;
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7E]", "?");
    }

    private static DecryptionException malformed(String detail) {
        return new DecryptionException(MALFORMED_HEADER, "malformed header: " + detail);
    }
}
