package org.ipfsbackup.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.crypto.KeyRing;

/**
 * The master keys: {@code BACKUP_ENCRYPTION_KEY} (current, id {@code BACKUP_ENCRYPTION_KEY_ID}) and the retired keys
 * that still decrypt old backups, from either or both of
 * <ul>
 *   <li>{@code BACKUP_ENCRYPTION_KEYRING_DIR} ({@code crypto.keyring-dir}): a directory with one file per retired key,
 *       the file name is the key id, the content its secret (a single trailing newline is removed); names starting
 *       with a dot are ignored, so a Kubernetes secret volume works as it is;</li>
 *   <li>{@code BACKUP_ENCRYPTION_OLD_KEYS} or {@code BACKUP_ENCRYPTION_OLD_KEYS_FILE}: one {@code keyId:secret} per line
 *       (key ids cannot contain ':'; blank lines and lines starting with '#' are ignored).</li>
 * </ul>
 * Every retired secret must pass the same strength rules as {@code BACKUP_ENCRYPTION_KEY}; a bad entry stops
 * start-up with a message naming the entry (never its secret).
 */
public final class KeyRingConfig {
    public static final String KEYRING_DIR = "BACKUP_ENCRYPTION_KEYRING_DIR";
    public static final String OLD_KEYS = "BACKUP_ENCRYPTION_OLD_KEYS";

    private KeyRingConfig() {
    }

    /** @param why said when BACKUP_ENCRYPTION_KEY is missing */
    public static KeyRing load(PropertySource p, Secrets secrets, String why) {
        String secret = secrets.require(EncryptionKey.ENV_VAR, why);
        EncryptionKey current = EncryptionKey.fromSecret(secret, p.getOrDefault("crypto.key-id", EncryptionKey.DEFAULT_KEY_ID));
        List<EncryptionKey> retired = new ArrayList<>();
        p.get("crypto.keyring-dir").filter(s -> !s.isBlank()).ifPresent(dir -> retired.addAll(fromDirectory(Path.of(dir))));
        secrets.get(OLD_KEYS).ifPresent(list -> retired.addAll(fromList(list)));
        try {
            return new KeyRing(current, retired);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    static List<EncryptionKey> fromDirectory(Path dir) {
        String setting = KEYRING_DIR + " (crypto.keyring-dir)";
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(setting + " = " + dir + " is not a directory");
        }
        List<EncryptionKey> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") || !Files.isRegularFile(f)) {
                    continue;
                }
                String entry = KEYRING_DIR + "/" + name;
                if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
                    throw new ConfigException(entry + ": the file name is the key id and must be 1-64 characters from A-Z a-z 0-9 . _ -");
                }
                String s;
                try {
                    s = Files.readString(f, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new ConfigException(entry + " cannot be read: " + e.getMessage());
                }
                out.add(key(stripNewline(s), name, entry));
            }
        } catch (IOException e) {
            throw new ConfigException(setting + " = " + dir + " cannot be listed: " + e.getMessage());
        }
        return out;
    }

    static List<EncryptionKey> fromList(String list) {
        List<EncryptionKey> out = new ArrayList<>();
        String[] lines = list.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String entry = OLD_KEYS + " line " + (i + 1);
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new ConfigException(entry + ": expected <keyId>:<secret>");
            }
            String id = line.substring(0, colon);
            if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new ConfigException(entry + ": the key id before ':' must be 1-64 characters from A-Z a-z 0-9 . _ -");
            }
            out.add(key(line.substring(colon + 1), id, entry + " (key id " + id + ")"));
        }
        return out;
    }

    private static EncryptionKey key(String secret, String id, String entry) {
        try {
            return EncryptionKey.fromSecret(secret, id, "retired key " + entry);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static String stripNewline(String s) {
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
