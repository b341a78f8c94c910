package org.ipfsbackup.app;

import org.ipfsbackup.mongo.Masking;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.ipfsbackup.alert.AlertSettings;
import org.ipfsbackup.config.ArchiveSettings;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.config.CronTranslator;
import org.ipfsbackup.config.Durations;
import org.ipfsbackup.config.HawtioSettings;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.config.KeyRingConfig;
import org.ipfsbackup.mongo.Masking;
import org.ipfsbackup.config.PropertySource;
import org.ipfsbackup.config.Secrets;
import org.ipfsbackup.config.Urls;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.dump.DumpSettings;
import org.ipfsbackup.retention.RetentionSettings;
import org.ipfsbackup.watchdog.WatchdogSettings;

/**
 * Every setting of the application, read and validated in one place at start-up. Each failure names the
 * setting, so a bad deployment stops before it does anything (fail closed: without a strong key nothing runs).
 * The composition ({@link Components}, {@code camel.BackupApplication}) hands the typed records below to the domain
 * packages; no domain package reads a setting itself or imports this package.
 */
public record AppConfig(Path workDir, String fullCron, String incrementalCron, String mongoUri, DumpSettings dump,
                        int gzipLevel, EncryptionKey key, int kdfIterations, IpfsSettings ipfs,
                        String manifestDatabase, String manifestCollection, String manifestStateCollection,
                        boolean incrementalFallbackToFull, Duration lockWait, Retention retention,
                        org.ipfsbackup.crypto.KeyRing keys, Service service) {

    /**
     * The service's own settings beside the pipeline's: the lock lease, the stop timeout, compression, start-up
     * recovery, verification, the watchdog, Hawtio and the alerts.
     */
    public record Service(Duration lockLease, Duration stopTimeout, ArchiveSettings archive, Duration recoveryGrace,
                          String historyCollection, String verificationCron, WatchdogSettings watchdog, HawtioSettings hawtio,
                          Path alertSpoolDir, AlertSettings alerts, Slices slices) {

        public static Service load(PropertySource p, Secrets secrets) {
            return new Service(Durations.parse("backup.lock-lease", p.getOrDefault("backup.lock-lease", "2m")),
                    Durations.parse("BACKUP_STOP_TIMEOUT (backup.stop-timeout)", p.getOrDefault("backup.stop-timeout", "10s")),
                    ArchiveSettings.load(p),
                    Durations.parse("recovery.grace", p.getOrDefault("recovery.grace", "1h")),
                    p.getOrDefault("manifest.history-collection", "manifest_history"),
                    CronTranslator.toQuartz("VERIFICATION_SCHEDULE (verification.schedule)", p.getOrDefault("verification.schedule", "0 3 * * 3")),
                    WatchdogSettings.load(p), HawtioSettings.load(p),
                    Path.of(p.getOrDefault("alert.spool-dir", "/var/lib/ipfs-backup/alert-spool")), AlertSettings.load(p, secrets),
                    AppConfig.slices(p));
        }
    }

    /**
     * Continuous oplog slices (docs/pitr-slices.md): whether the slice schedule runs, and how often. The interval is
     * the recovery point objective between daily incrementals.
     */
    public record Slices(boolean enabled, Duration interval) {
        public static final Duration MIN_INTERVAL = Duration.ofMinutes(1);
        public static final Duration MAX_INTERVAL = Duration.ofDays(1);
    }

    /** PITR_SLICES_ENABLED (default false) and PITR_SLICE_INTERVAL (default 10m, at least 1m and less than a day). */
    public static Slices slices(PropertySource p) {
        boolean enabled;
        try {
            enabled = p.getBoolean("backup.slices.enabled", false);
        } catch (ConfigException e) {
            throw new ConfigException("PITR_SLICES_ENABLED (backup.slices.enabled) = '" + p.getOrDefault("backup.slices.enabled", "")
                    + "' must be true or false");
        }
        String name = "PITR_SLICE_INTERVAL (backup.slices.interval)";
        String text = p.getOrDefault("backup.slices.interval", "10m");
        Duration interval = Durations.parse(name, text);
        if (interval.compareTo(Slices.MIN_INTERVAL) < 0 || interval.compareTo(Slices.MAX_INTERVAL) >= 0) {
            throw new ConfigException(name + " = '" + text + "' must be at least 1m and less than a day (24h): a slice is the oplog"
                    + " of one interval between the daily incrementals (examples: 1m, 10m, 1h)");
        }
        return new Slices(enabled, interval);
    }

    /** Retention settings: the policy's own, its schedule, and how it runs. */
    public record Retention(RetentionSettings policy, String cron, boolean afterBackup, int batchSize, int manifestVersions) {
    }

    public static AppConfig load(PropertySource p, Secrets secrets) {
        Path workDir = workDir(p);
        String fullCron = CronTranslator.toQuartz("FULL_BACKUP_SCHEDULE (backup.full.schedule)",
                p.getOrDefault("backup.full.schedule", "0 2 * * 0"));
        String incCron = CronTranslator.toQuartz("INCREMENTAL_BACKUP_SCHEDULE (backup.incremental.schedule)",
                p.getOrDefault("backup.incremental.schedule", "0 2 * * *"));

        String mongoUri = p.require("mongodb.uri");
        Urls.mongo("MONGODB_URI (mongodb.uri)", mongoUri);
        String manifestDb = p.getOrDefault("manifest.database", "ipfs_backup");
        List<String> include = list(p.getOrDefault("dump.include-databases", ""));
        List<String> exclude = new ArrayList<>(list(p.getOrDefault("dump.exclude-databases", "admin,local,config")));
        if (!exclude.contains(manifestDb)) {
            exclude.add(manifestDb); // the manifest describes backups; it is not backed up as data
        }
        exclude.removeAll(include); // naming a database in the include list wins over the default exclusions
        // unset: the URI's readPreference if it has one, else secondary (decided by DumpSettings)
        String readPreference = p.get("dump.read-preference").filter(s -> !s.isBlank()).orElse(null);
        DumpSettings dump = new DumpSettings(mongoUri, p.getOrDefault("dump.engine", "auto"), include, exclude, readPreference,
                Durations.parse("DUMP_TIMEOUT (dump.timeout)", p.getOrDefault("dump.timeout", "6h")),
                p.getOrDefault("dump.mongodump-path", "mongodump"), p.getBoolean("dump.oplog", true));

        int gzip = p.getInt("archive.gzip-level", 6, 1, 9);

        int iterations = p.getInt("crypto.kdf.iterations", BackupCipher.DEFAULT_KDF_ITERATIONS, 1, Integer.MAX_VALUE);
        // the current key and the retired ones of the keyring (each checked like the current one)
        org.ipfsbackup.crypto.KeyRing keys = KeyRingConfig.load(p, secrets,
                "backups are always encrypted and nothing is uploaded without a key");
        EncryptionKey key = keys.current();
        // constructing a cipher validates the iteration count with a message naming ENCRYPTION_KEY_DERIVATION_ITERATIONS
        new BackupCipher(key, iterations);

        IpfsSettings ipfs = ipfs(p, secrets);

        return new AppConfig(workDir, fullCron, incCron, mongoUri, dump, gzip, key, iterations, ipfs, manifestDb,
                p.getOrDefault("manifest.collection", "backups"), p.getOrDefault("manifest.state-collection", "manifest_state"),
                p.getBoolean("backup.incremental.fallback-to-full", true),
                Durations.parse("backup.lock-wait", p.getOrDefault("backup.lock-wait", "6h")),
                new Retention(retentionPolicy(p),
                        CronTranslator.toQuartz("RETENTION_SCHEDULE (retention.schedule)", p.getOrDefault("retention.schedule", "0 4 * * *")),
                        p.getBoolean("retention.after-backup", true), p.getInt("retention.batch-size", 20, 1, 10_000),
                        p.getInt("retention.manifest-versions", 10, 1, 10_000)), keys, Service.load(p, secrets));
    }

    /** The cluster and Kubo endpoints, credentials and timeouts (also read by the `status` command, which needs no key). */
    public static IpfsSettings ipfs(PropertySource p, Secrets secrets) {
        List<java.net.URI> cluster = new ArrayList<>();
        cluster.add(IpfsSettings.url("IPFS_CLUSTER_NODE_1 (ipfs.cluster.node1)", p.require("ipfs.cluster.node1")));
        p.get("ipfs.cluster.node2").filter(s -> !s.isBlank())
                .ifPresent(s -> cluster.add(IpfsSettings.url("IPFS_CLUSTER_NODE_2 (ipfs.cluster.node2)", s)));
        return new IpfsSettings(cluster, kuboNodes(p), authorization(p, secrets),
                p.getInt("ipfs.replication-factor", 2, 1, 10),
                Durations.parse("IPFS_PIN_TIMEOUT (ipfs.pin.timeout)", p.getOrDefault("ipfs.pin.timeout", "30s")),
                Durations.parse("ipfs.pin.poll-interval", p.getOrDefault("ipfs.pin.poll-interval", "500ms")),
                Durations.parse("IPFS_HTTP_TIMEOUT (ipfs.http.timeout)", p.getOrDefault("ipfs.http.timeout", "60s")));
    }

    /** RETENTION_DAYS and RETENTION_KEEP_* (also read by the `retention` command). */
    public static RetentionSettings retentionPolicy(PropertySource p) {
        return new RetentionSettings(p.getInt("retention.days", 90, 1, 36_500), p.getInt("retention.keep-daily", 0, 0, 10_000),
                p.getInt("retention.keep-weekly", 0, 0, 10_000), p.getInt("retention.keep-monthly", 0, 0, 10_000));
    }

    /**
     * {@code restore.parallel-collections} (RESTORE_PARALLEL_COLLECTIONS, default 4, 1 to 64): collections a restore
     * (the CLI's and the drill's) inserts at the same time.
     */
    public static int restoreParallelCollections(PropertySource p) {
        return p.getInt("restore.parallel-collections", org.ipfsbackup.restore.DriverRestore.DEFAULT_PARALLEL_COLLECTIONS, 1, 64);
    }

    /** BACKUP_WORK_DIR, else the seed's BACKUP_TEMP_DIR, else /tmp/ipfs-backup (java.io.tmpdir). */
    public static Path workDir(PropertySource p) {
        return Path.of(p.get("backup.work-dir").filter(s -> !s.isBlank())
                .or(() -> p.get("backup.temp-dir").filter(s -> !s.isBlank()))
                .orElse(System.getProperty("java.io.tmpdir") + "/ipfs-backup"));
    }

    /**
     * The Kubo RPC APIs downloads use: IPFS_NODES; else the seed's IPFS_NODE_1_URL / IPFS_NODE_2_URL (or
     * IPFS_NODE_1 / IPFS_NODE_2 as bin/devstack exports them); else http://127.0.0.1:5001.
     */
    public static List<java.net.URI> kuboNodes(PropertySource p) {
        String nodes = p.getOrDefault("ipfs.nodes", "");
        if (!nodes.isBlank()) {
            return IpfsSettings.urls("IPFS_NODES (ipfs.nodes)", nodes);
        }
        List<java.net.URI> seed = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            String url = p.getOrDefault("ipfs.node-" + i + "-url", "");
            String name = "IPFS_NODE_" + i + "_URL (ipfs.node-" + i + "-url)";
            if (url.isBlank()) {
                url = p.getOrDefault("ipfs.node-" + i, "");
                name = "IPFS_NODE_" + i + " (ipfs.node-" + i + ")";
            }
            if (!url.isBlank()) {
                seed.add(IpfsSettings.url(name, url));
            }
        }
        return seed.isEmpty() ? IpfsSettings.urls("IPFS_NODES (ipfs.nodes)", "http://127.0.0.1:5001") : List.copyOf(seed);
    }

    /** The cluster REST API authorization header value from the secrets, or null (also used by `status`). */
    public static String authorization(PropertySource p, Secrets secrets) {
        var token = secrets.get("IPFS_CLUSTER_TOKEN");
        var user = p.get("ipfs.cluster.username").filter(s -> !s.isBlank());
        if (token.isPresent() && user.isPresent()) {
            throw new ConfigException("set either IPFS_CLUSTER_TOKEN or IPFS_CLUSTER_USER/IPFS_CLUSTER_PASSWORD, not both");
        }
        if (token.isPresent()) {
            return "Bearer " + token.get();
        }
        if (user.isPresent()) {
            String pw = secrets.require("IPFS_CLUSTER_PASSWORD", "IPFS_CLUSTER_USER is set, so basic auth needs a password");
            return "Basic " + Base64.getEncoder().encodeToString((user.get() + ":" + pw).getBytes(StandardCharsets.UTF_8));
        }
        return null;
    }

    static List<String> list(String comma) {
        return Arrays.stream(comma.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public Duration pinTimeout() {
        return ipfs.pinTimeout();
    }

    @Override
    public String toString() {
        return "AppConfig[workDir=" + workDir + ", mongoUri=" + Masking.maskUri(mongoUri) + ", ipfs=" + ipfs + "]";
    }
}
