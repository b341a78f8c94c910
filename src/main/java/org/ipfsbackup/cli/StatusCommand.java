package org.ipfsbackup.cli;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import org.ipfsbackup.app.AppConfig;
import org.ipfsbackup.watchdog.WatchdogSettings;
import org.ipfsbackup.config.CronTranslator;
import org.ipfsbackup.config.Durations;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.mongo.Masking;
import org.ipfsbackup.config.PropertySource;
import org.ipfsbackup.config.Secrets;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.ipfs.PinStatus;
import org.ipfsbackup.job.BackupLock;
import org.ipfsbackup.job.LeaseHolder;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.status.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup status", "  ipfs-backup status --json"},
        description = "One screen: newest backups, next scheduled runs, the restorable window (and gaps), pins and peers, IPFS storage, "
                + "the job lock, the last verification, alerts not yet sent. Exit 0 healthy, 1 degraded (the reasons are listed).")
class StatusCommand extends CliCommand.Configured {
    /** How many of the newest backups have their pins checked. */
    static final int NEWEST = 3;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        PropertySource p = options.properties();
        Instant now = Clock.systemUTC().instant();
        List<String> problems = new ArrayList<>();
        Map<String, String> crons = new LinkedHashMap<>();
        crons.put("full", CronTranslator.toQuartz("FULL_BACKUP_SCHEDULE", p.getOrDefault("backup.full.schedule", "0 2 * * 0")));
        crons.put("incremental", CronTranslator.toQuartz("INCREMENTAL_BACKUP_SCHEDULE", p.getOrDefault("backup.incremental.schedule", "0 2 * * *")));
        crons.put("retention", CronTranslator.toQuartz("RETENTION_SCHEDULE", p.getOrDefault("retention.schedule", "0 4 * * *")));
        AppConfig.Service service = AppConfig.Service.load(p, new Secrets(options.env()));
        crons.put("verification", service.verificationCron());
        if (!p.getBoolean("backup.schedule.enabled", true)) {
            problems.add("schedules are off (BACKUP_SCHEDULE_ENABLED=false): no backup runs by itself");
        }
        IpfsSettings ipfs = AppConfig.ipfs(p, new Secrets(options.env()));
        ClusterClient clusterClient = RecoveryContext.cluster(options, p, Duration.ofSeconds(10));
        int replication = ipfs.replicationFactor();
        List<URI> kubo = ipfs.kuboNodes();
        WatchdogSettings watchdog = service.watchdog();

        List<ManifestEntry> entries = List.of();
        Optional<LeaseHolder> holder = Optional.empty();
        Map<String, StatusReport.LastFailure> failures = new LinkedHashMap<>();
        boolean expired = false;
        RecoveryContext ctx = new RecoveryContext(options, null);
        try (var mongo = org.ipfsbackup.mongo.MongoConnections.create(p.require("mongodb.uri"))) {
            entries = ctx.repository(mongo).all();
            ctx.repository(mongo).lastFailures().forEach((type, d) -> failures.put(type, new StatusReport.LastFailure(
                    d.getDate("at").toInstant(), d.getString("error"), Boolean.TRUE.equals(d.getBoolean("cancelled")))));
            BackupLock lock = BackupLock.inDatabase(mongo.getDatabase(p.getOrDefault("manifest.database", "ipfs_backup")), Clock.systemUTC());
            holder = lock.currentHolder();
            expired = holder.map(h -> h.expiresAt() != null && h.expiresAt().isBefore(now)).orElse(false);
        } catch (RuntimeException e) {
            problems.add("MongoDB (MONGODB_URI) cannot be read: " + Masking.maskUri(Main.messageOf(e)));
        }
        Map<String, PinStatus> pins = new LinkedHashMap<>();
        Map<String, String> peers = new LinkedHashMap<>();
        try {
            peers.putAll(clusterClient.peers());
            for (ManifestEntry e : entries.stream().filter(x -> ManifestEntry.COMPLETE.equals(x.status()))
                    .sorted(Comparator.comparing(ManifestEntry::timestamp).reversed()).limit(NEWEST).toList()) {
                pins.put(e.cid(), clusterClient.status(e.cid()));
            }
        } catch (RuntimeException e) {
            problems.add("the IPFS Cluster (IPFS_CLUSTER_NODE_1/2) does not answer: " + Masking.maskUri(Main.messageOf(e)));
        }
        Map<String, long[]> storage = new LinkedHashMap<>();
        KuboClient kuboClient = new KuboClient(ipfs.httpTimeout());
        for (URI node : kubo) {
            try {
                KuboClient.RepoStat s = kuboClient.repoStat(node);
                storage.put(node.toString(), new long[] {s.repoSize(), s.storageMax()});
            } catch (RuntimeException e) {
                problems.add("IPFS node " + node + " (IPFS_NODES) does not answer repo/stat: " + Masking.maskUri(Main.messageOf(e)));
            }
        }
        int spooled = 0;
        Path spool = service.alertSpoolDir();
        if (Files.isDirectory(spool)) {
            spooled = new org.ipfsbackup.alert.DirectorySpool(spool).pending().size();
        }
        Map<String, Object> report = StatusReport.compute(new StatusReport.Inputs(now, entries, crons, TimeZone.getDefault(), holder, expired,
                pins, replication, peers, storage, watchdog.storageThresholdPercent(), spooled,
                watchdog.maxBackupAge(), problems, failures));
        var out = out();
        if (json.on) {
            json.print(out(), report);
        } else {
            StatusText.print(report, out);
        }
        return Boolean.TRUE.equals(report.get("healthy")) ? 0 : 1;
    }
}
