package org.ipfsbackup.crypto;

import static org.ipfsbackup.crypto.DecryptionException.Reason.AUTHENTICATION_FAILED;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.io.output.CountingOutputStream;

/**
 * Encrypts and decrypts backup files and streams (format: docs/format.md).
 *
 * <p>Per file (format version 2): a fresh random 32-byte data key feeds Tink's AES-256-GCM-HKDF streaming AEAD
 * with 1 MiB segments; the data key is wrapped (AES-256-GCM) under a key-encryption key derived with
 * PBKDF2-HMAC-SHA256 from the current master secret, and the wrapped key travels in the header (and, through
 * {@link EncryptResult#dataKey()}, in the manifest). The PBKDF2 salt is chosen once per cipher instance (one
 * process run) and recorded in every header, so writing costs one PBKDF2 per process, not per file; derived
 * key-encryption keys are cached per (master key, salt, iterations), so decrypting or re-wrapping many files
 * written by the same run costs one PBKDF2 too. The complete header is the AEAD's associated data, so altering any
 * header byte makes every segment fail authentication. Memory use is a few MiB whatever the file size.
 *
 * <p>Decryption takes the data key from the manifest's wrapped key when one is given and it belongs to the file
 * (its key check matches), else from the header; the master key is looked up in the {@link KeyRing} by key id
 * (then every other key, as ids are labels). Version-1 files (no wrapped key: the stream key is the PBKDF2 output
 * itself) still decrypt. Iteration count and segment size come from the file, not the configuration.
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
    private static final int KEK_CACHE_SIZE = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyRing keys;
    private final int kdfIterations;
    /** PBKDF2 salt of the key-encryption key for everything this instance wraps. */
    private final byte[] wrapSalt = new byte[HeaderCodec.SALT_BYTES];
    private final Map<KekId, byte[]> keks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<KekId, byte[]> eldest) {
            if (size() > KEK_CACHE_SIZE) {
                Arrays.fill(eldest.getValue(), (byte) 0);
                return true;
            }
            return false;
        }
    };

    private record KekId(EncryptionKey key, String salt, int iterations) {
    }

    /** A cipher with one master key and no retired keys. */
    public BackupCipher(EncryptionKey key, int kdfIterations) {
        this(KeyRing.of(Objects.requireNonNull(key, "key")), kdfIterations);
    }

    /**
     * @param keys          the current master key (encrypts) and retired ones (decrypt and re-wrap only)
     * @param kdfIterations PBKDF2 iterations for files encrypted from now on (from
     *                      {@code ENCRYPTION_KEY_DERIVATION_ITERATIONS}); {@value #MIN_KDF_ITERATIONS} to
     *                      {@value #MAX_KDF_ITERATIONS}
     * @throws IllegalArgumentException if the count is out of range or the key has been wiped
     */
    public BackupCipher(KeyRing keys, int kdfIterations) {
        this.keys = Objects.requireNonNull(keys, "keys");
        if (keys.current().isWiped()) {
            throw new IllegalArgumentException("encryption key " + keys.current().keyId() + " has been wiped");
        }
        if (kdfIterations < MIN_KDF_ITERATIONS || kdfIterations > MAX_KDF_ITERATIONS) {
            throw new IllegalArgumentException("ENCRYPTION_KEY_DERIVATION_ITERATIONS must be between "
                    + MIN_KDF_ITERATIONS + " and " + MAX_KDF_ITERATIONS + ", got " + kdfIterations);
        }
        this.kdfIterations = kdfIterations;
        RANDOM.nextBytes(wrapSalt);
    }

    public KeyRing keys() {
        return keys;
    }

    /** Id of the master key new files (and re-wrapped data keys) are wrapped under. */
    public String currentKeyId() {
        return keys.current().keyId();
    }

    /** PBKDF2 output for (key, salt, iterations), cached; callers must not modify or wipe it. */
    private byte[] kek(EncryptionKey key, byte[] salt, int iterations) {
        KekId id = new KekId(key, HexFormat.of().formatHex(salt), iterations);
        synchronized (keks) {
            byte[] k = keks.get(id);
            if (k == null) {
                k = key.derive(salt, iterations);
                keks.put(id, k);
            }
            return k;
        }
    }

    /**
     * Derives (PBKDF2) and keeps the key-encryption key that {@code w} was wrapped under by the master key its key id
     * names (else the current one), so that decrypting a file whose data key is {@code w} does not wait for the
     * derivation: a restore starts it on another thread before its download begins. Nothing is unwrapped or checked
     * here, and nothing is thrown: a problem shows when the file is decrypted.
     */
    public void deriveAhead(WrappedKey w) {
        try {
            kek(keys.candidates(w.keyId()).get(0), w.salt(), w.iterations());
        } catch (RuntimeException e) {
            // the decryption that follows derives again and reports it
        }
    }

    /** How many key-encryption keys this cipher has derived and keeps (for tests). */
    int derivedKeys() {
        synchronized (keks) {
            return keks.size();
        }
    }

    /**
     * Returns a stream that writes the header to {@code sink}, then the ciphertext of everything written
     * to it. {@code close()} seals the final segment and closes {@code sink}; on a failure of whatever
     * produces the plaintext, call {@link EncryptingOutputStream#abort()} instead so that the partial
     * output can never pass as a complete file.
     */
    public EncryptingOutputStream encryptingStream(OutputStream sink) throws IOException {
        Objects.requireNonNull(sink, "sink");
        byte[] dataKey = new byte[AES_KEY_BYTES];
        RANDOM.nextBytes(dataKey);
        try {
            WrappedKey wrapped = wrap(dataKey);
            EncryptedFileHeader header = new EncryptedFileHeader(HeaderCodec.VERSION, HeaderCodec.KDF_PBKDF2_SHA256,
                    kdfIterations, wrapSalt, HeaderCodec.AEAD_TINK_AES256_GCM_HKDF, SEGMENT_SIZE, wrapped.keyId(),
                    Kdf.keyCheck(dataKey), wrapped.wrapped());
            byte[] headerBytes = HeaderCodec.encode(header);
            AesGcmHkdfStreaming aead = streaming(dataKey, SEGMENT_SIZE);
            StreamSegmentEncrypter encrypter = aead.newStreamSegmentEncrypter(headerBytes);
            int firstPlaintext = aead.getPlaintextSegmentSize() - aead.getCiphertextOffset();
            return new EncryptingOutputStream(sink, headerBytes, encrypter, SEGMENT_SIZE, firstPlaintext, wrapped);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot initialise encryption: " + e.getMessage(), e);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    private WrappedKey wrap(byte[] dataKey) {
        EncryptionKey current = keys.current();
        return new WrappedKey(current.keyId(), kdfIterations, wrapSalt, Kdf.wrap(kek(current, wrapSalt, kdfIterations), dataKey));
    }

    /** The data key, or null when {@code key} is not the master key {@code w} was wrapped under (or w was altered). */
    private byte[] unwrap(EncryptionKey key, WrappedKey w) {
        return Kdf.unwrap(kek(key, w.salt(), w.iterations()), w.wrapped());
    }

    /**
     * Re-wraps a data key under the current master key (for {@code rekey}); the data key itself never leaves this
     * class. Returns {@code w} itself when it is already wrapped under the current key.
     *
     * @throws DecryptionException (WRONG_KEY) naming the key id when no key of the ring unwraps it
     */
    public WrappedKey rewrap(WrappedKey w) throws DecryptionException {
        if (w.keyId().equals(currentKeyId())) {
            byte[] dk = unwrap(keys.current(), w);
            if (dk != null) {
                Arrays.fill(dk, (byte) 0);
                return w;
            }
        }
        for (EncryptionKey k : keys.candidates(w.keyId())) {
            byte[] dk = unwrap(k, w);
            if (dk != null) {
                try {
                    return wrap(dk);
                } finally {
                    Arrays.fill(dk, (byte) 0);
                }
            }
        }
        throw new DecryptionException(WRONG_KEY, missingKey("the data key", w.keyId()));
    }

    /** Whether {@code w} is wrapped under the current master key (its id, and the current secret unwraps it). */
    public boolean isUnderCurrentKey(WrappedKey w) {
        if (!w.keyId().equals(currentKeyId())) {
            return false;
        }
        byte[] dk = unwrap(keys.current(), w);
        if (dk == null) {
            return false;
        }
        Arrays.fill(dk, (byte) 0);
        return true;
    }

    private String missingKey(String what, String keyId) {
        Optional<EncryptionKey> named = keys.find(keyId);
        if (named.isPresent()) {
            return "wrong key: " + what + " is wrapped under key id " + keyId + ", and the "
                    + (named.get() == keys.current() ? "configured key" : "keyring's key") + " with that id does not unwrap it"
                    + " (another secret under the same id, or the wrapped key was altered)";
        }
        List<String> retired = keys.retiredIds();
        return "wrong key: " + what + " is wrapped under key id " + keyId + ", which is neither the configured key ("
                + keys.current().keyId() + ") nor in the keyring (" + (retired.isEmpty() ? "empty" : String.join(", ", retired))
                + "): add the retired key " + keyId + " to the keyring (BACKUP_ENCRYPTION_KEYRING_DIR or BACKUP_ENCRYPTION_OLD_KEYS)";
    }

    /**
     * Reads and checks the header (magic, version, algorithms, key) before returning, so a wrong key
     * or foreign file fails here; the returned stream then authenticates every segment as it reads.
     * Plaintext from earlier segments may already have been consumed when a later segment fails, so treat
     * the output as untrusted until {@code read} returns -1 (or use {@link #decrypt}, which handles that).
     * Closing the returned stream closes {@code source}.
     *
     * @throws DecryptionException for a foreign, unsupported, malformed or truncated header, or a wrong key
     */
    public InputStream decryptingStream(InputStream source) throws IOException {
        return openDecrypting(source, null);
    }

    /**
     * As {@link #decryptingStream(InputStream)}, trying the data key from the manifest ({@code manifestKey}, may be
     * null) first and the header's wrapped key after it.
     */
    public InputStream decryptingStream(InputStream source, WrappedKey manifestKey) throws IOException {
        return openDecrypting(source, manifestKey);
    }

    private DecryptingInputStream openDecrypting(InputStream source, WrappedKey manifestKey) throws IOException {
        Objects.requireNonNull(source, "source");
        HeaderCodec.Parsed parsed = HeaderCodec.read(source);
        EncryptedFileHeader header = parsed.header();
        byte[] ikm = streamKey(header, manifestKey);
        try {
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

    /**
     * The stream's input key material (a fresh array the caller wipes): the manifest's data key if it belongs to
     * this file, else the header's (version 2), else PBKDF2 of a master secret (version 1). The key check decides
     * whether a candidate belongs to the file.
     */
    private byte[] streamKey(EncryptedFileHeader header, WrappedKey manifestKey) throws DecryptionException {
        byte[] check = header.keyCheck();
        String manifestProblem = null;
        if (manifestKey != null) {
            for (EncryptionKey k : keys.candidates(manifestKey.keyId())) {
                byte[] dk = unwrap(k, manifestKey);
                if (dk == null) {
                    continue;
                }
                if (MessageDigest.isEqual(Kdf.keyCheck(dk), check)) {
                    return dk;
                }
                Arrays.fill(dk, (byte) 0);
                manifestProblem = "the manifest's data key (key id " + manifestKey.keyId() + ") is not this file's";
                break;
            }
            if (manifestProblem == null) {
                manifestProblem = missingKey("the manifest's data key", manifestKey.keyId());
            }
        }
        Optional<WrappedKey> inHeader = header.dataKey();
        if (inHeader.isPresent()) {
            for (EncryptionKey k : keys.candidates(header.keyId())) {
                byte[] dk = unwrap(k, inHeader.get());
                if (dk == null) {
                    continue;
                }
                if (MessageDigest.isEqual(Kdf.keyCheck(dk), check)) {
                    return dk;
                }
                Arrays.fill(dk, (byte) 0);
                throw new DecryptionException(AUTHENTICATION_FAILED, "authentication failed: the header's key check does not match"
                        + " its wrapped data key (the header was altered)" + (manifestProblem == null ? "" : "; " + manifestProblem));
            }
            String message = missingKey("this file's data key", header.keyId());
            throw new DecryptionException(WRONG_KEY, manifestProblem == null ? message : manifestProblem + "; " + message.substring("wrong key: ".length()));
        }
        // version 1: the stream key is PBKDF2(secret, salt) itself
        for (EncryptionKey k : keys.candidates(header.keyId())) {
            byte[] ikm = kek(k, header.salt(), header.iterations());
            if (MessageDigest.isEqual(Kdf.keyCheck(ikm), check)) {
                return ikm.clone();
            }
        }
        throw wrongKeyV1(header.keyId(), manifestProblem);
    }

    private DecryptionException wrongKeyV1(String fileKeyId, String manifestProblem) {
        String configured = keys.current().keyId();
        String message;
        if (keys.retiredIds().isEmpty()) {
            message = fileKeyId.equals(configured)
                    ? "wrong key: the configured key (id " + configured + ") is not the key this file was encrypted with"
                    : "wrong key: encrypted with key id " + fileKeyId + ", but the configured key is " + configured;
        } else {
            message = "wrong key: encrypted with key id " + fileKeyId + ", and no key in " + keys.describe() + " is that key";
        }
        message += " (or the header's KDF fields were altered)";
        return new DecryptionException(WRONG_KEY, manifestProblem == null ? message : manifestProblem + "; " + message);
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
        WrappedKey[] dataKey = {null};
        writeAtomically(encryptedFile, tmp -> {
            try (InputStream in = Files.newInputStream(plainFile);
                 CountingOutputStream out = new CountingOutputStream(
                         new DigestOutputStream(Files.newOutputStream(tmp), sha256))) {
                EncryptingOutputStream enc = encryptingStream(out);
                dataKey[0] = enc.dataKey();
                try {
                    counts[0] = in.transferTo(enc);
                } catch (IOException | RuntimeException e) {
                    enc.abort();
                    throw e;
                }
                enc.close();
                counts[1] = out.getByteCount();
            }
        });
        return new EncryptResult(counts[0], counts[1], HexFormat.of().formatHex(sha256.digest()), dataKey[0]);
    }

    /**
     * Decrypts {@code encryptedFile} into {@code plainFile}. The plaintext goes to a temporary file
     * (owner-only permissions where the file system supports them) beside {@code plainFile}, which is
     * renamed to {@code plainFile} (replacing it) only after the final segment authenticated; on any
     * failure the temporary file is deleted, so no partial plaintext is left behind.
     */
    public DecryptResult decrypt(Path encryptedFile, Path plainFile) throws IOException {
        return decrypt(encryptedFile, plainFile, null);
    }

    /** As {@link #decrypt(Path, Path)}, with the data key from the manifest tried first (may be null). */
    public DecryptResult decrypt(Path encryptedFile, Path plainFile, WrappedKey manifestKey) throws IOException {
        long encryptedBytes = Files.size(encryptedFile);
        long[] plain = {0};
        String[] keyId = {null};
        writeAtomically(plainFile, tmp -> {
            try (InputStream raw = Files.newInputStream(encryptedFile);
                 DecryptingInputStream in = openDecrypting(raw, manifestKey);
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
