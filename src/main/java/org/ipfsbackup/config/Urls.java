package org.ipfsbackup.config;

import org.ipfsbackup.mongo.Masking;

import org.ipfsbackup.mongo.MongoConnections;

import com.mongodb.ConnectionString;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * The one start-up check of every URL-valued setting: scheme, host and port range, with the setting's name in the
 * message, so a URL that no client could use stops start-up (exit code 3) instead of failing a backup half-way.
 */
public final class Urls {

    private static final Set<String> HTTP = Set.of("http", "https");

    private Urls() {
    }

    /**
     * Parses and checks an http(s) URL with a host and, if it names one, a port in 1..65535.
     *
     * @param setting how the operator sets it, e.g. {@code IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1)}
     * @param secret  true when the URL itself is a secret (a webhook's path holds its token): never repeated
     * @param example a URL of the expected form, for the message
     */
    public static URI http(String setting, String value, boolean secret, String example) {
        String shown = secret ? "" : " = '" + value + "'";
        if (value == null || value.isBlank()) {
            throw new ConfigException(setting + " is empty: give an http(s) URL like " + example);
        }
        URI u;
        try {
            u = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException(setting + shown + " is not a valid URL: "
                    + (secret ? e.getReason().replace(value.trim(), "***") : e.getReason()));
        }
        String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null || !HTTP.contains(scheme)) {
            throw new ConfigException(setting + shown + " is not an http(s) URL like " + example
                    + (scheme == null ? "" : " (scheme '" + scheme + "')"));
        }
        if (u.getHost() == null) {
            // java.net.URI leaves the host unset when the authority is not host[:port] (a bad port, a bad name)
            String authority = u.getRawAuthority();
            int colon = authority == null ? -1 : authority.lastIndexOf(':');
            String port = colon > 0 && authority.lastIndexOf(']') < colon ? authority.substring(colon + 1) : "";
            if (!port.isEmpty() && !port.chars().allMatch(Character::isDigit)) {
                throw new ConfigException(setting + shown + ": port '" + (secret ? "***" : port) + "' is not a number in 1..65535");
            }
            if (port.length() > 5 || !port.isEmpty() && Integer.parseInt(port) > 65_535) {
                throw new ConfigException(setting + shown + ": port " + port + " is out of range 1..65535");
            }
            throw new ConfigException(setting + shown + " has no valid host: give an http(s) URL like " + example);
        }
        if (u.getPort() != -1 && (u.getPort() < 1 || u.getPort() > 65_535)) {
            throw new ConfigException(setting + shown + ": port " + u.getPort() + " is out of range 1..65535");
        }
        return u;
    }

    /**
     * Checks a {@code mongodb://} or {@code mongodb+srv://} connection string (without repeating it: it may hold a
     * password): the scheme, and the hosts and their ports as the driver reads them.
     */
    public static ConnectionString mongo(String setting, String uri) {
        if (uri == null || uri.isBlank()) {
            throw new ConfigException(setting + " is empty: give a connection string like mongodb://127.0.0.1:27017");
        }
        if (!(uri.startsWith("mongodb://") || uri.startsWith("mongodb+srv://"))) {
            throw new ConfigException(setting + " must start with mongodb:// or mongodb+srv://, got '"
                    + Masking.maskUri(uri) + "'");
        }
        try {
            // the driver checks every host's port (0..65535) and the options
            return MongoConnections.connectionString(uri);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting + " is not a valid connection string: " + Masking.maskUri(e.getMessage()), e);
        }
    }
}
