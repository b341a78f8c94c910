package org.ipfsbackup.camel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.config.PropertySource;

/**
 * The management HTTP server (/observe) must be able to listen: Camel's vert.x server only logs a BindException and
 * the service would run on without health and metrics. Checked before Camel starts, so a second instance on the same
 * port stops with the configuration exit code (3) and a message naming the port and the setting.
 */
final class ManagementPort {
    private ManagementPort() {
    }

    static void checkFree(PropertySource props) {
        if (!props.getBoolean("camel.management.enabled", false)) {
            return;
        }
        String host = props.getOrDefault("camel.management.host", "0.0.0.0");
        int port = props.getInt("camel.management.port", 9464, 0, 65535);
        if (port == 0) {
            return;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new ConfigException("management port " + host + ":" + port + " (MANAGEMENT_PORT, camel.management.port) cannot be used: "
                    + e.getMessage() + "; is another ipfs-backup running? Set MANAGEMENT_PORT to a free port or MANAGEMENT_ENABLED=false", e);
        }
    }
}
