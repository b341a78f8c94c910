package org.ipfsbackup.config;

import java.util.Map;

/**
 * Camel's {@code {{env:NAME:default}}} read from the given environment: the process's in production, a test's map in
 * tests, so the CLI and the service resolve settings from the same environment secrets come from.
 */
public record EnvFunction(Map<String, String> env) implements org.apache.camel.spi.PropertiesFunction {
    @Override
    public String getName() {
        return "env";
    }

    @Override
    public String apply(String remainder) {
        int colon = remainder.indexOf(':');
        String name = colon < 0 ? remainder : remainder.substring(0, colon);
        String value = env.get(name);
        return value != null ? value : colon < 0 ? null : remainder.substring(colon + 1);
    }
}
