package org.ipfsbackup.crypto;

import java.io.IOException;

/**
 * A file could not be decrypted: it is not one of ours, uses an unsupported format, was encrypted with
 * another key, or failed authentication (corrupted, tampered with or truncated). No plaintext from a
 * segment that failed authentication is ever released.
 */
public class DecryptionException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why decryption failed; lets callers (e.g. the CLI) choose an exit code without parsing messages. */
    public enum Reason {
        /** The input does not start with the ipfs-backup magic bytes. */
        NOT_ENCRYPTED,
        /** Format version, KDF or AEAD that this build does not know. */
        UNSUPPORTED,
        /** The header is syntactically broken (bad lengths, missing or unknown fields, values out of range). */
        MALFORMED_HEADER,
        /** The key check in the header does not match the configured key (or the header's KDF fields were altered). */
        WRONG_KEY,
        /** A segment failed its GCM tag check: corrupted or tampered data. */
        AUTHENTICATION_FAILED,
        /** The input ends early: inside the header, or after a segment that is not the final one. */
        TRUNCATED
    }

    private final Reason reason;

    public DecryptionException(Reason reason, String message) {
        this(reason, message, null);
    }

    public DecryptionException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
