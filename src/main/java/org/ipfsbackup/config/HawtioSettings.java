package org.ipfsbackup.config;

import java.net.InetAddress;
import java.nio.file.Path;

/**
 * The optional Hawtio console: {@code hawtio.enabled}, a loopback {@code hawtio.host}, {@code hawtio.port} and the
 * war file ({@code hawtio.war}; null = look for {@code lib/hawtio-war-*.war} beside the application jar).
 */
public record HawtioSettings(boolean enabled, String host, int port, Path war) {

    public static HawtioSettings load(PropertySource props) {
        if (!props.getBoolean("hawtio.enabled", false)) {
            return new HawtioSettings(false, null, 0, null);
        }
        String host = props.getOrDefault("hawtio.host", "127.0.0.1").trim();
        try {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                throw new ConfigException("HAWTIO_HOST (hawtio.host) = " + host + " is not a loopback address: Hawtio has no login here and "
                        + "only binds to 127.0.0.1/::1 (use an SSH tunnel to reach it from another machine)");
            }
        } catch (java.net.UnknownHostException e) {
            throw new ConfigException("HAWTIO_HOST (hawtio.host) = " + host + " is not a known host");
        }
        int port = props.getInt("hawtio.port", 9465, 0, 65535);
        String w = props.getOrDefault("hawtio.war", "").trim();
        return new HawtioSettings(true, host, port, w.isEmpty() ? null : Path.of(w));
    }
}
