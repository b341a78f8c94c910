package org.ipfsbackup.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.ipfsbackup.config.Durations;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.config.PropertySource;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.manifest.ManifestChain;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestFile;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.restore.BackupFetcher;

/** What the recovery commands share: settings, the IPFS nodes to read from, the key, and the manifest. */
final class RecoveryContext {
    final PropertySource props;
    final List<URI> nodes;
    final Duration timeout;

    RecoveryContext(ConfigOptions options, List<String> nodeOverrides) {
        this.props = options.properties();
        this.nodes = nodeOverrides == null || nodeOverrides.isEmpty()
                ? org.ipfsbackup.app.AppConfig.kuboNodes(props)
                : IpfsSettings.urls("--node", String.join(",", nodeOverrides));
        this.timeout = Durations.parse("IPFS_HTTP_TIMEOUT (ipfs.http.timeout)", props.getOrDefault("ipfs.http.timeout", "60s"));
    }

    /**
     * A client of the cluster REST APIs (IPFS_CLUSTER_NODE_1/2, their credentials) without the rest of the service's
     * configuration (no key needed); HTTP calls time out after IPFS_HTTP_TIMEOUT, at most {@code maxTimeout}.
     */
    static org.ipfsbackup.ipfs.ClusterClient cluster(ConfigOptions options, PropertySource p, Duration maxTimeout) {
        IpfsSettings ipfs = org.ipfsbackup.app.AppConfig.ipfs(p, new org.ipfsbackup.config.Secrets(options.env()));
        Duration http = ipfs.httpTimeout();
        return new org.ipfsbackup.ipfs.ClusterClient(ipfs).withHttpTimeout(http.compareTo(maxTimeout) > 0 ? maxTimeout : http);
    }

    /** Reads the local cache (BACKUP_CACHE_DIR) first, as restore and verify do. */
    BackupFetcher fetcher() {
        return nodeFetcher().readingCache(org.ipfsbackup.cache.CacheSettings.load(props, java.time.Clock.systemUTC()).orElse(null));
    }

    /** From the IPFS nodes only (`download`: what IPFS serves, not the local cache). */
    BackupFetcher nodeFetcher() {
        return new BackupFetcher(new KuboClient(timeout), nodes, msg -> System.err.println(msg));
    }

    /** {@code restore.parallel-collections}: collections restored at the same time. */
    int parallelCollections() {
        return org.ipfsbackup.app.AppConfig.restoreParallelCollections(props);
    }

    Path workDir() {
        return org.ipfsbackup.app.AppConfig.workDir(props);
    }

    /** The manifest from MongoDB ({@code mongodb.uri}, or {@code --manifest-uri}). */
    List<ManifestEntry> manifestFromMongo(String uriOverride) {
        String uri = uriOverride != null ? uriOverride : props.require("mongodb.uri");
        try (var client = org.ipfsbackup.mongo.MongoConnections.create(uri)) {
            return repository(client).all();
        }
    }

    ManifestStore repository(com.mongodb.client.MongoClient client) {
        return new ManifestStore(client, props.getOrDefault("manifest.database", "ipfs_backup"),
                props.getOrDefault("manifest.collection", "backups"), props.getOrDefault("manifest.state-collection", "manifest_state"),
                props.getOrDefault("manifest.history-collection", "manifest_history"));
    }

    /**
     * The manifest read back from IPFS with only its CID and the key (when the MongoDB holding it is gone): the version
     * and, for a delta, the versions back to its checkpoint ({@link ManifestChain}); how many is said on {@code say}.
     */
    List<ManifestEntry> manifestFromIpfs(String manifestCid, BackupCipher cipher, java.util.function.Consumer<String> say) throws IOException {
        Path dir = Files.createTempDirectory("ipfs-backup-manifest");
        try {
            BackupFetcher fetcher = nodeFetcher();
            ManifestChain.State state = ManifestChain.read(manifestCid, cid -> {
                Path enc = dir.resolve("manifest.enc");
                try {
                    fetcher.download(cid, null, enc);
                    try (InputStream in = cipher.decryptingStream(Files.newInputStream(enc))) {
                        return ManifestFile.read(in);
                    }
                } finally {
                    Files.deleteIfExists(enc);
                }
            });
            if (state.versionsRead() > 1) {
                say.accept("manifest " + manifestCid + ": read " + state.versionsRead() + " versions back to checkpoint "
                        + state.checkpointCid());
            }
            return state.entries();
        } finally {
            org.ipfsbackup.job.WorkDirectories.deleteTree(dir);
        }
    }
}
