package org.ipfsbackup.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the IPFS Cluster REST API and the Kubo RPC APIs are, and how to talk to them.
 *
 * @param clusterNodes cluster REST API base URLs, in failover order
 * @param kuboNodes Kubo RPC base URLs used for downloads (restore, verify), in failover order
 * @param authorization value of the Authorization header for the cluster, or null (basic or bearer)
 */
public record IpfsSettings(List<URI> clusterNodes, List<URI> kuboNodes, String authorization, int replicationFactor,
                           Duration pinTimeout, Duration pinPollInterval, Duration httpTimeout) {

    public IpfsSettings {
        clusterNodes = List.copyOf(clusterNodes);
        kuboNodes = List.copyOf(kuboNodes);
        if (clusterNodes.isEmpty()) {
            throw new ConfigException("IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1) is not set: the cluster REST API URL is required");
        }
        if (replicationFactor < 1 || replicationFactor > 10) {
            throw new ConfigException("IPFS_REPLICATION_FACTOR (ipfs.replication-factor) = " + replicationFactor + " is out of range 1..10");
        }
    }

    /** The same settings with another HTTP timeout (the health check's short one). */
    public IpfsSettings withHttpTimeout(Duration timeout) {
        return new IpfsSettings(clusterNodes, kuboNodes, authorization, replicationFactor, pinTimeout, pinPollInterval, timeout);
    }

    @Override
    public String toString() {
        return "IpfsSettings[clusterNodes=" + clusterNodes + ", kuboNodes=" + kuboNodes + ", auth="
                + (authorization == null ? "none" : "***") + ", replicationFactor=" + replicationFactor
                + ", pinTimeout=" + pinTimeout + "]";
    }

    /**
     * Parses and checks an http(s) URL ({@link Urls#http}: scheme, host, port range); the message names the setting.
     * Trailing slashes are removed.
     */
    public static URI url(String setting, String value) {
        String v = value.trim();
        while (v.endsWith("/")) {
            v = v.substring(0, v.length() - 1);
        }
        URI u = Urls.http(setting, v, false, "http://127.0.0.1:9094");
        if (u.getUserInfo() != null) {
            throw new ConfigException(setting + " must not carry credentials in the URL: use IPFS_CLUSTER_USER/IPFS_CLUSTER_PASSWORD or IPFS_CLUSTER_TOKEN");
        }
        return u;
    }

    public static List<URI> urls(String setting, String commaList) {
        List<URI> out = new ArrayList<>();
        if (commaList != null) {
            for (String s : commaList.split(",")) {
                if (!s.isBlank()) {
                    out.add(url(setting, s));
                }
            }
        }
        return out;
    }
}
