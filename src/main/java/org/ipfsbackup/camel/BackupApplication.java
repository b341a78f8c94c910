package org.ipfsbackup.camel;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.component.mail.MailConfiguration;
import org.ipfsbackup.alert.AlertComposer;
import org.ipfsbackup.alert.AlertDispatcher;
import org.ipfsbackup.alert.AlertSettings;
import org.ipfsbackup.alert.AlertSpool;
import org.ipfsbackup.alert.AlertThrottle;
import org.ipfsbackup.alert.DirectorySpool;
import org.ipfsbackup.alert.SmtpSecurity;
import org.ipfsbackup.archive.TarGzArchiver;
import org.ipfsbackup.config.AppConfig;
import org.ipfsbackup.config.PropertySource;
import org.ipfsbackup.config.Secrets;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.dump.DumpEngine;
import org.ipfsbackup.dump.DumpEngines;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.job.BackupLock;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.manifest.ManifestEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Camel (camel-main) with the pipeline loaded from {@code routes/*.camel.yaml}, after reading and checking
 * every setting: a missing or weak key, a bad cron or a malformed URL stops start-up before any route runs.
 */
public final class BackupApplication implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackupApplication.class);

    /**
     * @param configFile application.properties to use, or null for the one on the classpath
     * @param routesDir directory of the {@code *.camel.yaml} routes (operators edit these), or null for the packaged copy
     * @param overrides properties that win over the file (tests, CLI)
     * @param env where secrets are read from (the process environment in production)
     * @param schedules start the quartz triggers (false for one-shot commands)
     */
    public record Options(Path configFile, Path routesDir, Map<String, String> overrides, Map<String, String> env,
                          boolean schedules) {
    }

    /** What one backup run produced: the recorded entry, or the failure in words. */
    public record Outcome(ManifestEntry entry, String manifestCid, String failure, String failedStep, String skipped,
                          String fallbackReason) {
        public boolean succeeded() {
            return failure == null && entry != null;
        }

        public boolean wasSkipped() {
            return skipped != null;
        }
    }

    private final Main main;
    private AppConfig config;
    private MongoClient manifestMongo;
    private BackupLock lock;

    private BackupApplication(Main main) {
        this.main = main;
    }

    public static BackupApplication start(Options o) throws Exception {
        Main main = new Main();
        BackupApplication app = new BackupApplication(main);
        if (o.configFile() != null) {
            if (!Files.isRegularFile(o.configFile())) {
                throw new org.ipfsbackup.config.ConfigException("configuration file " + o.configFile() + " does not exist");
            }
            // the operator's file wins (Camel takes the first location that has a key), the packaged defaults fill
            // in the rest: an operator's file only needs the settings it changes
            main.setPropertyPlaceholderLocations("file:" + o.configFile().toAbsolutePath() + ",classpath:application.properties");
        } else {
            main.setPropertyPlaceholderLocations("classpath:application.properties");
        }
        String routes = o.routesDir() != null ? "file:" + o.routesDir().toAbsolutePath() + "/*.camel.yaml" : "classpath:routes/*.camel.yaml";
        if (o.routesDir() != null && !Files.isDirectory(o.routesDir())) {
            throw new org.ipfsbackup.config.ConfigException("routes directory " + o.routesDir() + " (BACKUP_ROUTES_DIR) does not exist");
        }
        main.configure().withRoutesIncludePattern(routes);
        Map<String, String> overrides = new LinkedHashMap<>(o.overrides());
        overrides.putIfAbsent("backup.schedule.enabled", Boolean.toString(o.schedules()));
        overrides.forEach(main::addOverrideProperty);
        Secrets secrets = new Secrets(o.env());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                app.wire(m.getCamelContext(), secrets);
            }
        });
        try {
            main.start();
        } catch (Exception e) {
            app.close();
            throw unwrapConfig(e);
        }
        if (main.getCamelContext() == null || !main.getCamelContext().isStarted()) {
            app.close();
            throw new IllegalStateException("Camel did not start; see the log above");
        }
        return app;
    }

    private static Exception unwrapConfig(Exception e) {
        Throwable c = e;
        while (c != null) {
            if (c instanceof org.ipfsbackup.config.ConfigException ce) {
                return ce;
            }
            if (c instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && (iae.getMessage().contains("BACKUP_ENCRYPTION_KEY") || iae.getMessage().contains("ENCRYPTION_KEY_DERIVATION_ITERATIONS"))) {
                return new org.ipfsbackup.config.ConfigException(iae.getMessage(), iae);
            }
            c = c.getCause();
        }
        return e;
    }

    /** Reads the settings through Camel's properties (so {{env:...}} works), checks them, binds the step beans. */
    private void wire(CamelContext ctx, Secrets secrets) {
        PropertiesComponent pc = ctx.getPropertiesComponent();
        PropertySource props = key -> pc.resolveProperty(key);
        AppConfig cfg = AppConfig.load(props, secrets);
        this.config = cfg;
        // values the routes use that are derived from the settings (checked cron, the /add URL of each node)
        pc.addOverrideProperty("backup.full.cron", cfg.fullCron().replace(' ', '+'));
        pc.addOverrideProperty("backup.incremental.cron", cfg.incrementalCron().replace(' ', '+'));
        pc.addOverrideProperty("retention.cron", cfg.retention().cron().replace(' ', '+'));
        pc.addOverrideProperty("retention.after-backup", Boolean.toString(cfg.retention().afterBackup()));
        pc.addOverrideProperty("ipfs.cluster.add-url-1", cfg.ipfs().clusterNodes().get(0) + "/add");
        pc.addOverrideProperty("ipfs.cluster.add-url-2",
                cfg.ipfs().clusterNodes().get(cfg.ipfs().clusterNodes().size() > 1 ? 1 : 0) + "/add");

        Clock clock = Clock.systemUTC();
        WorkDirectories workDirs = new WorkDirectories(cfg.workDir());
        BackupCipher cipher = new BackupCipher(cfg.key(), cfg.kdfIterations());
        DumpEngine engine = DumpEngines.create(cfg.dump());
        ClusterClient cluster = new ClusterClient(cfg.ipfs());
        manifestMongo = MongoClients.create(cfg.mongoUri());

        Registry r = ctx.getRegistry();
        r.bind("manifestMongo", manifestMongo);
        r.bind("ipfsHttpHeaders", new OnlyAuthorizationHeader());
        // a lease in MongoDB: backups and retention never overlap, in this process or across instances
        BackupLock lock = BackupLock.inDatabase(manifestMongo.getDatabase(cfg.manifestDatabase()), clock);
        this.lock = lock;
        // backup.compression, archive.*: checked here, at start-up (ConfigException naming the setting)
        org.ipfsbackup.config.ArchiveSettings archive = org.ipfsbackup.config.ArchiveSettings.load(props);
        JobBinding jobs = new JobBinding(workDirs, clock, lock, cfg.lockWait(), archive.compression());
        r.bind("retentionBinding", new RetentionBinding(cfg.retention().policy(), jobs, cluster, workDirs, lock, clock,
                cfg.retention().batchSize(), cfg.retention().manifestVersions()));
        r.bind("jobBinding", jobs);
        r.bind("chainBinding", new ChainBinding(jobs));
        r.bind("dumpBinding", new DumpBinding(engine, jobs, cfg.incrementalFallbackToFull()));
        r.bind("archiveBinding", new ArchiveBinding(new TarGzArchiver(archive.codec())));
        r.bind("cryptoBinding", new CryptoBinding(cipher));
        r.bind("ipfsBinding", new IpfsBinding(cfg.ipfs(), cluster, clock));
        r.bind("manifestBinding", new ManifestBinding(cipher, cfg.key(), clock));
        org.ipfsbackup.watchdog.Watchdog watchdog = new org.ipfsbackup.watchdog.Watchdog(
                org.ipfsbackup.config.Durations.parse("WATCHDOG_MAX_BACKUP_AGE (watchdog.max-backup-age)", props.getOrDefault("watchdog.max-backup-age", "26h")),
                props.getInt("watchdog.storage-threshold-percent", 80, 1, 100),
                new org.ipfsbackup.ipfs.KuboClient(cfg.ipfs().httpTimeout()), cfg.ipfs().kuboNodes(), cluster, cfg.ipfs().replicationFactor());
        pc.addOverrideProperty("watchdog.cron", org.ipfsbackup.config.CronTranslator.toQuartz("WATCHDOG_SCHEDULE (watchdog.schedule)",
                props.getOrDefault("watchdog.schedule", "0 * * * *")).replace(' ', '+'));
        AlertBinding alertBinding = alerts(ctx, props, secrets, clock, watchdog);
        alertBinding.watchOplog(manifestMongo, org.ipfsbackup.watchdog.Watchdog.interval(cfg.incrementalCron()));
        r.bind("alertBinding", alertBinding);
        r.bind("recoveryBinding", new RecoveryBinding(cluster, manifestMongo, cfg.manifestDatabase(), cfg.manifestCollection(),
                cfg.manifestStateCollection(), props.getOrDefault("manifest.history-collection", "manifest_history"),
                org.ipfsbackup.config.Durations.parse("recovery.grace", props.getOrDefault("recovery.grace", "1h")), clock));
        r.bind("verificationBinding", new VerificationBinding(cfg.ipfs().kuboNodes().isEmpty() ? null : new org.ipfsbackup.restore.BackupVerifier(
                new org.ipfsbackup.restore.BackupFetcher(new org.ipfsbackup.ipfs.KuboClient(cfg.ipfs().httpTimeout()), cfg.ipfs().kuboNodes()),
                cipher, cfg.workDir().resolve("verify")), clock));
        pc.addOverrideProperty("verification.cron", org.ipfsbackup.config.CronTranslator.toQuartz("VERIFICATION_SCHEDULE (verification.schedule)",
                props.getOrDefault("verification.schedule", "0 3 * * 3")).replace(' ', '+'));
        jobs.removeLeftovers();
        LOG.info("ipfs-backup configured: {} dumpEngine={}", cfg, engine.name());
    }

    /** Alert settings checked, camel-mail configured (credentials on the component, never in a URI), spool ready. */
    private static AlertBinding alerts(CamelContext ctx, PropertySource props, Secrets secrets, Clock clock,
                                       org.ipfsbackup.watchdog.Watchdog watchdog) {
        AlertSettings settings = AlertSettings.load(props, secrets);
        PropertiesComponent pc = ctx.getPropertiesComponent();
        if (!settings.enabled() || !settings.email()) {
            pc.addOverrideProperty("alert.mail.uri", "log:ipfs-backup.alert-mail?level=WARN");
            return new AlertBinding(settings, null, clock, watchdog);
        }
        String scheme = settings.security() == SmtpSecurity.SSL ? "smtps" : "smtp";
        MailConfiguration mc = ctx.getComponent(scheme, MailComponent.class).getConfiguration();
        if (settings.username() != null) {
            mc.setUsername(settings.username());
            mc.setPassword(secrets.require(AlertSettings.PASSWORD_SECRET, "ALERT_SMTP_USER is set"));
        }
        mc.setConnectionTimeout(10_000);
        if (settings.security() == SmtpSecurity.STARTTLS) {
            java.util.Properties tls = new java.util.Properties();
            tls.put("mail.smtp.starttls.enable", "true");
            tls.put("mail.smtp.starttls.required", "true");
            mc.setAdditionalJavaMailProperties(tls);
        }
        pc.addOverrideProperty("alert.mail.uri", scheme + "://" + settings.smtpHost() + ":" + settings.smtpPort());
        Path spoolDir = Path.of(props.getOrDefault("alert.spool-dir", "/var/lib/ipfs-backup/alert-spool"));
        AlertSpool spool;
        try {
            spool = new DirectorySpool(spoolDir);
        } catch (RuntimeException e) {
            throw new org.ipfsbackup.config.ConfigException("ALERT_SPOOL_DIR (alert.spool-dir) = " + spoolDir + " cannot be used: " + e.getMessage(), e);
        }
        java.util.List<String> known = new java.util.ArrayList<>();
        for (String name : new String[] {"BACKUP_ENCRYPTION_KEY", AlertSettings.PASSWORD_SECRET, "IPFS_CLUSTER_PASSWORD", "IPFS_CLUSTER_TOKEN"}) {
            secrets.get(name).ifPresent(known::add);
        }
        AlertComposer composer = new AlertComposer(hostName(), known);
        AlertDispatcher dispatcher = new AlertDispatcher(new AlertThrottle(settings.repeatInterval(), clock),
                new AlertBinding.MailSender(ctx, composer, settings), spool);
        return new AlertBinding(settings, dispatcher, clock, watchdog);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public AppConfig config() {
        return config;
    }

    /** Runs one backup through the same routes the schedules use ({@code direct:backup-full}, {@code direct:backup-incremental}). */
    public Outcome runBackup(String type) {
        if (!"full".equals(type) && !"incremental".equals(type)) {
            throw new IllegalArgumentException("unknown backup type: " + type);
        }
        Exchange ex = context().createProducerTemplate().send("direct:backup-" + type, e -> e.setPattern(ExchangePattern.InOut));
        var m = ex.getMessage();
        String failure = m.getHeader(BackupHeaders.FAILURE, String.class);
        if (failure == null && ex.getException() != null) {
            failure = JobBinding.describe(ex.getException());
        }
        return new Outcome(m.getHeader(BackupHeaders.ENTRY, ManifestEntry.class), m.getHeader(BackupHeaders.MANIFEST_CID, String.class),
                failure, m.getHeader(BackupHeaders.FAILED_STEP, String.class), m.getHeader(BackupHeaders.SKIPPED, String.class),
                m.getHeader(BackupHeaders.FALLBACK_REASON, String.class));
    }

    /** What a retention run did: the decisions, what was unpinned, what failed (or why it did not run). */
    public record RetentionOutcome(java.util.List<org.ipfsbackup.retention.RetentionDecision> decisions, java.util.List<String> unpinned,
                                   java.util.Map<String, String> failedUnpins, String failure, String skipped, String manifestCid) {
    }

    /** Runs retention now through the routes ({@code direct:retention}), as if the time were {@code now}. */
    @SuppressWarnings("unchecked")
    public RetentionOutcome runRetention(java.time.Instant now) {
        Exchange ex = context().createProducerTemplate().send("direct:retention", e -> {
            e.setPattern(ExchangePattern.InOut);
            if (now != null) {
                e.getMessage().setHeader(RetentionBinding.NOW, now);
            }
        });
        var m = ex.getMessage();
        String failure = m.getHeader(RetentionBinding.FAILURE, String.class);
        if (failure == null && ex.getException() != null) {
            failure = JobBinding.describe(ex.getException());
        }
        return new RetentionOutcome(m.getHeader(RetentionBinding.DECISIONS, java.util.List.class),
                m.getHeader(RetentionBinding.UNPINNED, java.util.List.class), m.getHeader(RetentionBinding.FAILED, java.util.Map.class),
                failure, m.getHeader(BackupHeaders.SKIPPED, String.class),
                Boolean.TRUE.equals(m.getHeader(RetentionBinding.CHANGED)) ? m.getHeader(BackupHeaders.MANIFEST_CID, String.class) : null);
    }

    /** Start-up recovery now: unpins pins of ours the manifest does not know (see {@link RecoveryBinding}). */
    public java.util.List<org.ipfsbackup.recovery.OrphanAction> runRecovery() {
        return context().getRegistry().lookupByNameAndType("recoveryBinding", RecoveryBinding.class).recoverOrphanPins();
    }

    /** Runs the scheduled verification now ({@code direct:verification}). */
    public void runVerification() {
        context().createProducerTemplate().send("direct:verification", e -> { });
    }

    /** Runs the watchdog checks now ({@code direct:watchdog}), as if the time were {@code now} (null: now). */
    public void runWatchdog(java.time.Instant now) {
        context().createProducerTemplate().send("direct:watchdog", e -> {
            if (now != null) {
                e.getMessage().setHeader(RetentionBinding.NOW, now);
            }
        });
    }

    /** Blocks until the JVM is asked to stop (SIGTERM/SIGINT). */
    public void awaitShutdown() throws InterruptedException {
        java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close();
            latch.countDown();
        }, "ipfs-backup-shutdown"));
        latch.await();
    }

    @Override
    public synchronized void close() {
        try {
            if (main.isStarted() || main.isStarting()) {
                main.stop();
            }
        } catch (Exception e) {
            LOG.warn("error while stopping: {}", e.toString());
        }
        if (lock != null) {
            lock.close();
            lock = null;
        }
        if (manifestMongo != null) {
            manifestMongo.close();
            manifestMongo = null;
        }
    }
}
