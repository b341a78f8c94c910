package org.ipfsbackup.app;

import java.time.Duration;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.restore.BackupFetcher;

/**
 * The shared clients, built once from the checked settings and handed to whatever needs them: one cluster client
 * (with the one failover and error classification, {@link ClusterClient}), the same client with short timeouts for
 * the health check, one Kubo client and the one fetcher that reads backups back (verification, start-up recovery),
 * and the cipher.
 *
 * @param fetcher null when no Kubo node is configured (nothing is read back then)
 */
public record Components(ClusterClient cluster, ClusterClient quickCluster, KuboClient kubo, BackupFetcher fetcher,
                         BackupCipher cipher) {

    /** The health check's answer comes within seconds, even from a cluster that does not answer. */
    public static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

    public static Components build(AppConfig cfg) {
        IpfsSettings ipfs = cfg.ipfs();
        ClusterClient cluster = new ClusterClient(ipfs);
        KuboClient kubo = new KuboClient(ipfs.httpTimeout());
        return new Components(cluster, cluster.withHttpTimeout(HEALTH_TIMEOUT), kubo,
                ipfs.kuboNodes().isEmpty() ? null : new BackupFetcher(kubo, ipfs.kuboNodes()),
                new BackupCipher(cfg.keys(), cfg.kdfIterations()));
    }
}
