package org.ipfsbackup.config;

/** A setting is missing or wrong. The message names the setting (property and environment variable) and the rule. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
