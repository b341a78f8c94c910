package org.ipfsbackup.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Secrets come only from the environment: {@code NAME} itself, or {@code NAME_FILE} naming a file that holds it
 * (Docker/Kubernetes secrets). Never from application.properties, never logged. A single trailing newline of a
 * file is removed (editors add one); nothing else is trimmed or cut.
 */
public final class Secrets {
    private final Map<String, String> env;

    public Secrets(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static Secrets fromSystemEnvironment() {
        return new Secrets(System.getenv());
    }

    public Optional<String> get(String name) {
        String direct = env.get(name);
        String file = env.get(name + "_FILE");
        if (direct != null && !direct.isEmpty() && file != null && !file.isEmpty()) {
            throw new ConfigException("both " + name + " and " + name + "_FILE are set: set only one");
        }
        if (direct != null && !direct.isEmpty()) {
            return Optional.of(direct);
        }
        if (file != null && !file.isEmpty()) {
            try {
                String s = Files.readString(Path.of(file), StandardCharsets.UTF_8);
                if (s.endsWith("\r\n")) {
                    s = s.substring(0, s.length() - 2);
                } else if (s.endsWith("\n")) {
                    s = s.substring(0, s.length() - 1);
                }
                return Optional.of(s);
            } catch (IOException e) {
                throw new ConfigException(name + "_FILE = '" + file + "' cannot be read: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    public String require(String name, String why) {
        return get(name).orElseThrow(() -> new ConfigException(
                name + " is not set (nor " + name + "_FILE): " + why));
    }
}
