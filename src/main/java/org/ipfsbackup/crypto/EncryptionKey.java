package org.ipfsbackup.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The validated master secret ({@code BACKUP_ENCRYPTION_KEY}) plus the key id recorded in every file it
 * encrypts. Validate it once at start-up: {@link #fromSecret} throws if the secret is unusable, so the
 * application refuses to start rather than run without (or with a weak) encryption key.
 *
 * <p>Rules for the secret, checked in this order:
 * <ol>
 *   <li>it must be set and non-empty;</li>
 *   <li>no leading or trailing whitespace (usually a stray newline from a file or copy/paste; the key is
 *       used exactly as given, so a silently trimmed or untrimmed key would not decrypt later);</li>
 *   <li>only printable ASCII, {@code 0x20}-{@code 0x7E} (so the bytes are the same on every platform and in
 *       every language, with no Unicode normalisation questions);</li>
 *   <li>at least {@value #MIN_LENGTH} and at most {@value #MAX_LENGTH} characters. A longer secret is
 *       rejected, never truncated: every character counts;</li>
 *   <li>at least {@value #MIN_DISTINCT} distinct characters (rejects {@code "aaaa..."}, {@code "0101..."}).</li>
 * </ol>
 * A 32-byte random value in Base64 ({@code openssl rand -base64 32}, 44 characters) satisfies all of these.
 *
 * <p>The secret is kept as its bytes (ASCII, hence also UTF-8); {@link #toString()} never shows it and
 * {@link #wipe()} overwrites it with zeros.
 */
public final class EncryptionKey {

    /** Environment variable holding the secret; named in every validation message. */
    public static final String ENV_VAR = "BACKUP_ENCRYPTION_KEY";
    public static final String DEFAULT_KEY_ID = "k1";
    public static final int MIN_LENGTH = 32;
    public static final int MAX_LENGTH = 1024;
    public static final int MIN_DISTINCT = 10;

    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final byte[] secret;
    private final String keyId;
    private volatile boolean wiped;

    private EncryptionKey(byte[] secret, String keyId) {
        this.secret = secret;
        this.keyId = keyId;
    }

    /**
     * Validates {@code secret} against the rules above and {@code keyId} against {@code [A-Za-z0-9._-]{1,64}}.
     *
     * @param secret the value of {@code BACKUP_ENCRYPTION_KEY}
     * @param keyId  label written into each file's header; {@code null} or blank means {@value #DEFAULT_KEY_ID}
     * @throws IllegalArgumentException naming {@code BACKUP_ENCRYPTION_KEY} and the broken rule (the message
     *                                  never contains the secret)
     */
    public static EncryptionKey fromSecret(String secret, String keyId) {
        return fromSecret(secret, keyId, ENV_VAR);
    }

    /**
     * As {@link #fromSecret(String, String)} for a key that is not {@code BACKUP_ENCRYPTION_KEY} itself (a retired key
     * of the keyring): the same strength rules, and every message names {@code setting} instead.
     */
    public static EncryptionKey fromSecret(String secret, String keyId, String setting) {
        validate(secret, setting);
        return new EncryptionKey(secret.getBytes(StandardCharsets.US_ASCII), validKeyId(keyId));
    }

    /** Whether both keys hold the same secret (constant time); ids are not compared. */
    boolean sameSecret(EncryptionKey other) {
        return java.security.MessageDigest.isEqual(secret, other.secret);
    }

    private static void validate(String s, String setting) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException(setting + " is not set or empty; refusing to run without an encryption key");
        }
        if (Character.isWhitespace(s.charAt(0)) || Character.isWhitespace(s.charAt(s.length() - 1))) {
            throw new IllegalArgumentException(setting + " has leading or trailing whitespace (a stray newline?);"
                    + " remove it, the key is used exactly as given");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new IllegalArgumentException(setting + " must contain only printable ASCII characters"
                        + " (0x20-0x7E); the character at position " + (i + 1) + " is not");
            }
        }
        if (s.length() < MIN_LENGTH) {
            throw new IllegalArgumentException(setting + " is too short: " + s.length() + " characters, at least "
                    + MIN_LENGTH + " required (e.g. openssl rand -base64 32)");
        }
        if (s.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(setting + " is too long: " + s.length() + " characters, at most "
                    + MAX_LENGTH + " allowed (it is never truncated)");
        }
        long distinct = s.chars().distinct().count();
        if (distinct < MIN_DISTINCT) {
            throw new IllegalArgumentException(setting + " is too weak: only " + distinct
                    + " distinct characters, at least " + MIN_DISTINCT + " required");
        }
    }

    static String validKeyId(String keyId) {
        if (keyId == null || keyId.isBlank()) {
            return DEFAULT_KEY_ID;
        }
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException("encryption key id must be 1-64 characters from A-Z a-z 0-9 . _ -, got: "
                    + (keyId.length() > 80 ? keyId.substring(0, 80) + "..." : keyId));
        }
        return keyId;
    }

    static boolean isValidKeyId(String keyId) {
        return keyId != null && KEY_ID.matcher(keyId).matches();
    }

    public String keyId() {
        return keyId;
    }

    /** Overwrites the secret with zeros; afterwards this key can no longer encrypt or decrypt. */
    public void wipe() {
        wiped = true;
        Arrays.fill(secret, (byte) 0);
    }

    public boolean isWiped() {
        return wiped;
    }

    /** PBKDF2-HMAC-SHA256(secret, salt, iterations) to 32 bytes; the caller must wipe the result. */
    byte[] derive(byte[] salt, int iterations) {
        if (wiped) {
            throw new IllegalStateException("encryption key " + keyId + " has been wiped");
        }
        return Kdf.pbkdf2(secret, salt, iterations);
    }

    @Override
    public String toString() {
        return "EncryptionKey[id=" + keyId + ", secret=<redacted>]";
    }
}
