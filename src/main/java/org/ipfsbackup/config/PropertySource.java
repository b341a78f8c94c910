package org.ipfsbackup.config;

import java.util.Optional;

/** Where settings come from (Camel's properties component in the app, a map in tests). */
@FunctionalInterface
public interface PropertySource {
    Optional<String> get(String key);

    default String require(String key) {
        return get(key).filter(v -> !v.isBlank())
                .orElseThrow(() -> new ConfigException(key + " is not set (see application.properties)"));
    }

    default String getOrDefault(String key, String def) {
        return get(key).filter(v -> !v.isBlank()).orElse(def);
    }

    default int getInt(String key, int def, int min, int max) {
        String v = getOrDefault(key, Integer.toString(def)).trim();
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new ConfigException(key + " = " + v + " is out of range " + min + ".." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " = '" + v + "' is not a whole number");
        }
    }

    default boolean getBoolean(String key, boolean def) {
        String v = getOrDefault(key, Boolean.toString(def)).trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new ConfigException(key + " = '" + v + "' is not true/false");
        };
    }
}
