package org.ipfsbackup.crypto;

import static org.ipfsbackup.crypto.DecryptionException.Reason.MALFORMED_HEADER;
import static org.ipfsbackup.crypto.DecryptionException.Reason.TRUNCATED;
import static org.ipfsbackup.crypto.DecryptionException.Reason.WRONG_KEY;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.subtle.StreamSegmentDecrypter;
import com.google.crypto.tink.subtle.StreamSegmentEncrypter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Encrypts and decrypts backup files and streams (format: FORMAT.md in this package).
 *
 * <p>Per file: a fresh random 16-byte salt, PBKDF2-HMAC-SHA256(secret, salt, iterations) to a 32-byte
 * key (computed once per file, never per segment), then Tink's AES-256-GCM-HKDF streaming AEAD with 1 MiB
 * segments. The complete ipfs-backup header is the AEAD's associated data, so altering any header byte
 * makes every segment fail authentication. Memory use is a few MiB whatever the file size.
 *
 * <p>Decryption uses the iteration count and segment size recorded in the file, not the configured ones,
 * so files stay readable after the configuration changes. A file whose key id differs from the configured
 * key's id is still tried (ids are labels and may be renamed); the key check decides, and a mismatch is
 * reported naming both ids.
 *
 * <p>Thread-safe; each stream it returns is not.
 */
public final class BackupCipher {

    public static final int DEFAULT_KDF_ITERATIONS = 100_000;
    public static final int MIN_KDF_ITERATIONS = 10_000;
    public static final int MAX_KDF_ITERATIONS = HeaderCodec.MAX_ITERATIONS;
    /** Ciphertext segment size written by this version: 1 MiB. */
    public static final int SEGMENT_SIZE = 1 << 20;
    static final int TAG_BYTES = 16;
    private static final String HKDF_ALGORITHM = "HmacSha256";
    private static final int AES_KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EncryptionKey key;
    private final int kdfIterations;

    /**
     * @param kdfIterations PBKDF2 iterations for files encrypted from now on (from
     *                      {@code ENCRYPTION_KEY_DERIVATION_ITERATIONS}); {@value #MIN_KDF_ITERATIONS} to
     *                      {@value #MAX_KDF_ITERATIONS}
     * @throws IllegalArgumentException if the count is out of range or the key has been wiped
     */
    public BackupCipher(EncryptionKey key, int kdfIterations) {
        this.key = Objects.requireNonNull(key, "key");
        if (key.isWiped()) {
            throw new IllegalArgumentException("encryption key " + key.keyId() + " has been wiped");
        }
        if (kdfIterations < MIN_KDF_ITERATIONS || kdfIterations > MAX_KDF_ITERATIONS) {
            throw new IllegalArgumentException("ENCRYPTION_KEY_DERIVATION_ITERATIONS must be between "
                    + MIN_KDF_ITERATIONS + " and " + MAX_KDF_ITERATIONS + ", got " + kdfIterations);
        }
        this.kdfIterations = kdfIterations;
    }

    /**
     * Returns a stream that writes the header to {@code sink}, then the ciphertext of everything written
     * to it. {@code close()} seals the final segment and closes {@code sink}; on a failure of whatever
     * produces the plaintext, call {@link EncryptingOutputStream#abort()} instead so that the partial
     * output can never pass as a complete file.
     */
    public EncryptingOutputStream encryptingStream(OutputStream sink) throws IOException {
        Objects.requireNonNull(sink, "sink");
        byte[] salt = new byte[HeaderCodec.SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] ikm = key.derive(salt, kdfIterations);
        try {
            EncryptedFileHeader header = new EncryptedFileHeader(HeaderCodec.VERSION, HeaderCodec.KDF_PBKDF2_SHA256,
                    kdfIterations, salt, HeaderCodec.AEAD_TINK_AES256_GCM_HKDF, SEGMENT_SIZE, key.keyId(),
                    Kdf.keyCheck(ikm));
            byte[] headerBytes = HeaderCodec.encode(header);
            AesGcmHkdfStreaming aead = streaming(ikm, SEGMENT_SIZE);
            StreamSegmentEncrypter encrypter = aead.newStreamSegmentEncrypter(headerBytes);
            int firstPlaintext = aead.getPlaintextSegmentSize() - aead.getCiphertextOffset();
            return new EncryptingOutputStream(sink, headerBytes, encrypter, SEGMENT_SIZE, firstPlaintext);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot initialise encryption: " + e.getMessage(), e);
        } finally {
            Arrays.fill(ikm, (byte) 0);
        }
    }

    /**
     * Reads and checks the header (magic, version, algorithms, key check) before returning, so a wrong key
     * or foreign file fails here; the returned stream then authenticates every segment as it reads.
     * Plaintext from earlier segments may already have been consumed when a later segment fails, so treat
     * the output as untrusted until {@code read} returns -1 (or use {@link #decrypt}, which handles that).
     * Closing the returned stream closes {@code source}.
     *
     * @throws DecryptionException for a foreign, unsupported, malformed or truncated header, or a wrong key
     */
    public InputStream decryptingStream(InputStream source) throws IOException {
        return openDecrypting(source);
    }

    private DecryptingInputStream openDecrypting(InputStream source) throws IOException {
        Objects.requireNonNull(source, "source");
        HeaderCodec.Parsed parsed = HeaderCodec.read(source);
        EncryptedFileHeader header = parsed.header();
        byte[] ikm = key.derive(header.salt(), header.iterations());
        try {
            if (!MessageDigest.isEqual(Kdf.keyCheck(ikm), header.keyCheck())) {
                throw wrongKey(header.keyId());
            }
            AesGcmHkdfStreaming aead = streaming(ikm, header.segmentSize());
            byte[] streamHeader = source.readNBytes(aead.getHeaderLength());
            if (streamHeader.length < aead.getHeaderLength()) {
                throw new DecryptionException(TRUNCATED, "truncated: file ends inside the header");
            }
            StreamSegmentDecrypter decrypter = aead.newStreamSegmentDecrypter();
            try {
                decrypter.init(ByteBuffer.wrap(streamHeader), parsed.bytes());
            } catch (GeneralSecurityException e) {
                throw new DecryptionException(MALFORMED_HEADER, "malformed header: invalid stream header", e);
            }
            return new DecryptingInputStream(source, decrypter, header,
                    header.segmentSize() - aead.getCiphertextOffset());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot initialise decryption: " + e.getMessage(), e);
        } finally {
            Arrays.fill(ikm, (byte) 0);
        }
    }

    private DecryptionException wrongKey(String fileKeyId) {
        String configured = key.keyId();
        String message = fileKeyId.equals(configured)
                ? "wrong key: the configured key (id " + configured + ") is not the key this file was encrypted with"
                : "wrong key: encrypted with key id " + fileKeyId + ", but the configured key is " + configured;
        return new DecryptionException(WRONG_KEY, message + " (or the header's KDF fields were altered)");
    }

    private static AesGcmHkdfStreaming streaming(byte[] ikm, int segmentSize) throws GeneralSecurityException {
        return new AesGcmHkdfStreaming(ikm, HKDF_ALGORITHM, AES_KEY_BYTES, segmentSize, 0);
    }

    /**
     * Encrypts {@code plainFile} into {@code encryptedFile}. Writes a temporary file beside the target and
     * moves it into place only when complete; on failure the target is left untouched.
     */
    public EncryptResult encrypt(Path plainFile, Path encryptedFile) throws IOException {
        MessageDigest sha256 = sha256();
        long[] counts = new long[2];
        writeAtomically(encryptedFile, tmp -> {
            try (InputStream in = Files.newInputStream(plainFile);
                 CountingOutputStream out = new CountingOutputStream(
                         new DigestOutputStream(Files.newOutputStream(tmp), sha256))) {
                EncryptingOutputStream enc = encryptingStream(out);
                try {
                    counts[0] = in.transferTo(enc);
                } catch (IOException | RuntimeException e) {
                    enc.abort();
                    throw e;
                }
                enc.close();
                counts[1] = out.count();
            }
        });
        return new EncryptResult(counts[0], counts[1], HexFormat.of().formatHex(sha256.digest()));
    }

    /**
     * Decrypts {@code encryptedFile} into {@code plainFile}. The plaintext goes to a temporary file
     * (owner-only permissions where the file system supports them) beside {@code plainFile}, which is
     * renamed to {@code plainFile} (replacing it) only after the final segment authenticated; on any
     * failure the temporary file is deleted, so no partial plaintext is left behind.
     */
    public DecryptResult decrypt(Path encryptedFile, Path plainFile) throws IOException {
        long encryptedBytes = Files.size(encryptedFile);
        long[] plain = {0};
        String[] keyId = {null};
        writeAtomically(plainFile, tmp -> {
            try (InputStream raw = Files.newInputStream(encryptedFile);
                 DecryptingInputStream in = openDecrypting(raw);
                 OutputStream out = Files.newOutputStream(tmp)) {
                keyId[0] = in.header().keyId();
                plain[0] = in.transferTo(out);
            }
        });
        return new DecryptResult(encryptedBytes, plain[0], keyId[0]);
    }

    /**
     * Parses the header at the start of {@code in} without a key (e.g. for {@code inspect}); leaves
     * {@code in} positioned just after it.
     */
    public static EncryptedFileHeader readHeader(InputStream in) throws IOException {
        return HeaderCodec.read(in).header();
    }

    private interface TempWriter {
        void write(Path tmp) throws IOException;
    }

    private static void writeAtomically(Path target, TempWriter writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".part");
        boolean done = false;
        try {
            writer.write(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable in this JVM", e);
        }
    }
}
