package org.ipfsbackup.crypto;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The current master key (encrypts, wraps new data keys) and retired master keys (only unwrap: decrypt old
 * backups, and let {@code rekey} re-wrap their data keys under the current key), each found by its key id.
 *
 * <p>Key ids are operator-given labels ({@code BACKUP_ENCRYPTION_KEY_ID}); they are unique in a keyring: a retired
 * key under the current key's id but with another secret is refused (the usual mistake: rotating the secret
 * without giving it a new id), and an exact copy of the current key is ignored. Lookups try the key with the
 * file's id first and then the others, so a renamed key still works.
 */
public final class KeyRing {
    private final EncryptionKey current;
    private final Map<String, EncryptionKey> retired;

    /**
     * @throws IllegalArgumentException when two keys share an id with different secrets
     */
    public KeyRing(EncryptionKey current, List<EncryptionKey> retired) {
        this.current = Objects.requireNonNull(current, "current");
        Map<String, EncryptionKey> byId = new LinkedHashMap<>();
        for (EncryptionKey k : retired) {
            if (k.keyId().equals(current.keyId())) {
                if (k.sameSecret(current)) {
                    continue;
                }
                throw new IllegalArgumentException("the keyring holds a key with id " + k.keyId() + ", the id of the current key"
                        + " (BACKUP_ENCRYPTION_KEY_ID), but a different secret: give the new key its own BACKUP_ENCRYPTION_KEY_ID");
            }
            EncryptionKey before = byId.putIfAbsent(k.keyId(), k);
            if (before != null && !before.sameSecret(k)) {
                throw new IllegalArgumentException("the keyring holds two different keys with id " + k.keyId());
            }
        }
        this.retired = Collections.unmodifiableMap(byId);
    }

    public static KeyRing of(EncryptionKey current) {
        return new KeyRing(current, List.of());
    }

    public EncryptionKey current() {
        return current;
    }

    /** The key with this id: the current key or a retired one. */
    public Optional<EncryptionKey> find(String keyId) {
        return current.keyId().equals(keyId) ? Optional.of(current) : Optional.ofNullable(retired.get(keyId));
    }

    /** Every key, the one with {@code keyId} first, then the current key, then the retired ones. */
    List<EncryptionKey> candidates(String keyId) {
        List<EncryptionKey> out = new ArrayList<>();
        find(keyId).ifPresent(out::add);
        if (!out.contains(current)) {
            out.add(current);
        }
        for (EncryptionKey k : retired.values()) {
            if (!out.contains(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /** Ids of the retired keys, in the order they were given. */
    public List<String> retiredIds() {
        return List.copyOf(retired.keySet());
    }

    /** "the current key (id) or the keyring (ids)" for messages. */
    String describe() {
        return "the current key (" + current.keyId() + ")" + (retired.isEmpty() ? " and an empty keyring"
                : " and the keyring (" + String.join(", ", retired.keySet()) + ")");
    }

    @Override
    public String toString() {
        return "KeyRing[current=" + current.keyId() + ", retired=" + retired.keySet() + "]";
    }
}
