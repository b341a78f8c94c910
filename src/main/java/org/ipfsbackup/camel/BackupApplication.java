package org.ipfsbackup.camel;

import com.mongodb.client.MongoClient;
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
import org.ipfsbackup.app.AppConfig;
import org.ipfsbackup.app.Components;
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
    private org.ipfsbackup.observe.BackupMetrics metrics;
    private MongoClient healthMongo;
    private java.util.List<org.apache.camel.health.HealthCheck> healthChecks = java.util.List.of();
    private HawtioServer hawtio;
    private Operations operations;
    private JobBinding jobs;
    private java.time.Duration stopTimeout = java.time.Duration.ofSeconds(10);
    private Thread shutdownHook;
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

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
        if (!o.schedules()) {
            // one-shot commands run beside the service: they must not take its management port
            overrides.putIfAbsent("camel.management.enabled", "false");
        }
        overrides.forEach(main::addOverrideProperty);
        // SIGTERM/SIGINT is handled by stopOnSignal (the running job is stopped and cleaned up, then Camel stops), not
        // by camel-main's hang-up hook, which only waits for in-flight exchanges (45 s) while mongodump goes on (the
        // simple strategy installs no hook; DefaultMainShutdownStrategy.disableHangupSupport does not stop it in 4.17)
        main.setShutdownStrategy(new org.apache.camel.main.SimpleMainShutdownStrategy());
        Secrets secrets = new Secrets(o.env());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                m.getCamelContext().getPropertiesComponent().addPropertiesFunction(new org.ipfsbackup.config.EnvFunction(o.env()));
                app.wire(m.getCamelContext(), secrets);
            }

            @Override
            public void afterConfigure(BaseMainSupport m) {
                app.registerHealthChecks(m.getCamelContext());
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
        app.shutdownHook = new Thread(app::stopOnSignal, "ipfs-backup-shutdown");
        Runtime.getRuntime().addShutdownHook(app.shutdownHook);
        app.operations = new Operations(app.context());
        app.operations.useLock(app.lock);
        app.operations.register();
        if (app.hawtio != null) {
            try {
                app.hawtio.start();
            } catch (Exception e) {
                app.close();
                throw new org.ipfsbackup.config.ConfigException("Hawtio (HAWTIO_ENABLED) could not start: " + e.getMessage(), e);
            }
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
        ManagementPort.checkFree(props); // a taken /observe port stops start-up (exit 3), not a BindException in the log
        // values the routes use that are derived from the settings (checked crons)
        pc.addOverrideProperty("backup.full.cron", cfg.fullCron().replace(' ', '+'));
        pc.addOverrideProperty("backup.incremental.cron", cfg.incrementalCron().replace(' ', '+'));
        pc.addOverrideProperty("retention.cron", cfg.retention().cron().replace(' ', '+'));
        // the slice schedule (backup-slice-trigger.camel.yaml) starts only when the schedules run and slices are on
        AppConfig.Slices slices = cfg.service().slices();
        pc.addOverrideProperty("backup.slices.schedule", Boolean.toString(slices.enabled()
                && Boolean.parseBoolean(pc.resolveProperty("backup.schedule.enabled").orElse("true").trim())));
        pc.addOverrideProperty("backup.slices.interval-ms", Long.toString(slices.interval().toMillis()));
        pc.addOverrideProperty("retention.after-backup", Boolean.toString(cfg.retention().afterBackup()));

        Clock clock = Clock.systemUTC();
        AppConfig.Service service = cfg.service();
        WorkDirectories workDirs = new WorkDirectories(cfg.workDir());
        Components parts = Components.build(cfg);
        BackupCipher cipher = parts.cipher();
        DumpEngine engine = DumpEngines.create(cfg.dump());
        ClusterClient cluster = parts.cluster();
        manifestMongo = org.ipfsbackup.mongo.MongoConnections.create(cfg.mongoUri());
        // least privilege: refuses (exit 3) without what the service needs, warns about more (docs/configuration.md)
        org.ipfsbackup.privilege.PrivilegeProbe.checkAtStart(cfg.mongoUri(), cfg.manifestDatabase());

        Registry r = ctx.getRegistry();
        observe(ctx, cfg, parts, clock);
        // a lease in MongoDB: backups and retention never overlap, in this process or across instances
        BackupLock lock = BackupLock.inDatabase(manifestMongo.getDatabase(cfg.manifestDatabase()), clock, service.lockLease());
        this.lock = lock;
        org.ipfsbackup.config.ArchiveSettings archive = service.archive();
        // BACKUP_CACHE_DIR / BACKUP_CACHE_MAX, checked here (ConfigException naming the setting): the backup-cache step runs only with a cache
        org.ipfsbackup.cache.BackupCache cache = org.ipfsbackup.cache.CacheSettings.load(props, clock).orElse(null);
        pc.addOverrideProperty("backup.cache.enabled", Boolean.toString(cache != null));
        r.bind("cacheBinding", new CacheBinding(cache, metrics == null ? null : metrics.registry()));
        JobBinding jobs = new JobBinding(new org.ipfsbackup.job.JobGuard(lock, workDirs, clock), cfg.lockWait(), archive.compression());
        this.jobs = jobs;
        lock.onCancelRequested(jobs::cancel); // `ipfs-backup cancel` (any process) sets the request on the lease
        this.stopTimeout = service.stopTimeout();
        org.ipfsbackup.manifest.ManifestStore manifestStore = manifestStore(manifestMongo, cfg);
        r.bind("retentionBinding", new RetentionBinding(cfg.retention().policy(), manifestStore, jobs, cluster, clock, cfg.retention().batchSize(),
                cfg.retention().manifestVersions()).removingCached(cache));
        r.bind("jobBinding", jobs);
        r.bind("chainBinding", new ChainBinding(jobs));
        // the oplog-gap fallback is decided in routes/backup-dump.camel.yaml (doTry/doCatch); checked here at start-up
        pc.addOverrideProperty("backup.incremental.fallback-to-full", Boolean.toString(cfg.incrementalFallbackToFull()));
        // one object for the file steps, under the names the routes use for each step (dump, archive, encrypt)
        BackupFileSteps fileSteps = new BackupFileSteps(engine, new TarGzArchiver(archive.codec()), cipher);
        for (String name : new String[] {"dumpBinding", "archiveBinding", "cryptoBinding"}) {
            r.bind(name, fileSteps);
        }
        r.bind("ipfsBinding", new IpfsBinding(cfg.ipfs(), cluster, clock));
        r.bind("manifestBinding", new ManifestBinding(manifestStore, cipher, cfg.key(), clock));
        org.ipfsbackup.watchdog.Watchdog watchdog = new org.ipfsbackup.watchdog.Watchdog(service.watchdog().maxBackupAge(),
                service.watchdog().storageThresholdPercent(), parts.kubo(), cfg.ipfs().kuboNodes(), cluster, cfg.ipfs().replicationFactor());
        pc.addOverrideProperty("watchdog.cron", service.watchdog().cron().replace(' ', '+'));
        AlertBinding alertBinding = alerts(ctx, service.alerts(), secrets, clock, watchdog, metrics, service.alertSpoolDir());
        alertBinding.observe(metrics);
        alertBinding.watchOplog(manifestMongo, org.ipfsbackup.watchdog.Watchdog.interval(cfg.incrementalCron()));
        r.bind("alertBinding", alertBinding);
        RecoveryBinding recovery = new RecoveryBinding(cluster, manifestStore, service.recoveryGrace(), clock);
        recovery.use(parts.fetcher() == null ? null : new org.ipfsbackup.recovery.BackupAdopter(parts.fetcher(), cipher,
                name -> org.ipfsbackup.archive.Compression.forReading(null, name), cluster::status, manifestStore::all, manifestStore::insert,
                cfg.ipfs().replicationFactor(), cfg.workDir()), jobs);
        recovery.readManifestsWith(parts.fetcher() == null ? null : new org.ipfsbackup.recovery.IpfsManifestReader(parts.fetcher(),
                cipher, cfg.workDir()));
        r.bind("recoveryBinding", recovery);
        r.bind("verificationBinding", new VerificationBinding(parts.fetcher() == null ? null : new org.ipfsbackup.restore.BackupVerifier(
                parts.fetcher().readingCache(cache), cipher, cfg.workDir().resolve("verify")), manifestStore, clock));
        pc.addOverrideProperty("verification.cron", service.verificationCron().replace(' ', '+'));
        r.bind("drillBinding", new DrillBinding(drillTarget(props, cfg, parts, cipher), manifestStore, metrics, clock));
        pc.addOverrideProperty("restore-drill.cron", org.ipfsbackup.config.CronTranslator.toQuartz("RESTORE_DRILL_SCHEDULE (restore-drill.schedule)",
                props.getOrDefault("restore-drill.schedule", "0 5 1 * *")).replace(' ', '+'));
        r.bind("rekeyBinding", new RekeyBinding(jobs, cipher, manifestStore, clock));
        LOG.info("ipfs-backup configured: {} dumpEngine={}", cfg, engine.name());
    }

    /**
     * Metrics (the Prometheus registry Camel's own route metrics use, bound before camel-micrometer looks for it),
     * the step log/metrics event notifier, the health checks' objects and the optional Hawtio console.
     */
    private void observe(CamelContext ctx, AppConfig cfg, Components parts, Clock clock) {
        Registry r = ctx.getRegistry();
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry meters = r.lookupByNameAndType("metricsRegistry",
                io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class);
        if (meters == null) {
            meters = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            r.bind("metricsRegistry", meters);
        }
        metrics = new org.ipfsbackup.observe.BackupMetrics(meters);
        r.bind("backupMetrics", metrics);
        ctx.getManagementStrategy().addEventNotifier(new ObservabilityNotifier(ctx, metrics, clock));

        // health checks use their own client with short timeouts: a dead MongoDB answers the health check in seconds
        healthMongo = org.ipfsbackup.mongo.MongoConnections.create(org.ipfsbackup.mongo.MongoConnections.settings(cfg.mongoUri())
                .applyToClusterSettings(b -> b.serverSelectionTimeout(3, java.util.concurrent.TimeUnit.SECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(3, java.util.concurrent.TimeUnit.SECONDS).readTimeout(5, java.util.concurrent.TimeUnit.SECONDS)));
        var manifest = manifestStore(healthMongo, cfg);
        healthChecks = java.util.List.of(new BackupHealthChecks.Mongo(healthMongo, cfg.mongoUri()), new BackupHealthChecks.Cluster(parts.quickCluster()),
                new BackupHealthChecks.LastBackup(manifest, cfg.service().watchdog().maxBackupAge(), clock, metrics));
        ClusterClient quickCluster = parts.quickCluster();
        // the last-success, peers-pinned and oplog-window gauges start from the manifest, the cluster and the oplog
        org.ipfsbackup.observe.BackupMetrics m = metrics;
        com.mongodb.client.MongoClient source = healthMongo;
        Thread seed = new Thread(() -> {
            try {
                m.seed(manifest.all(), cid -> quickCluster.status(cid).pinnedPeers().size(),
                        () -> org.ipfsbackup.watchdog.Watchdog.oplogSpan(source).window());
            } catch (RuntimeException e) {
                LOG.debug("could not read the manifest for the last-success metric yet: {}", e.getMessage());
            }
        }, "ipfs-backup-metrics-seed");
        seed.setDaemon(true);
        seed.start();
        hawtio = HawtioServer.from(cfg.service().hawtio());
    }

    /** The manifest's collections in MongoDB (manifest.*), through {@code client}. */
    private static org.ipfsbackup.manifest.ManifestStore manifestStore(com.mongodb.client.MongoClient client, AppConfig cfg) {
        return new org.ipfsbackup.manifest.ManifestStore(client, cfg.manifestDatabase(), cfg.manifestCollection(), cfg.manifestStateCollection(),
                cfg.service().historyCollection());
    }

    private void registerHealthChecks(CamelContext ctx) {
        org.apache.camel.health.HealthCheckRegistry registry = org.apache.camel.health.HealthCheckRegistry.get(ctx);
        if (registry == null) {
            LOG.warn("no health check registry (camel.health.enabled=false): /observe/health shows no ipfs-backup checks");
            return;
        }
        for (org.apache.camel.health.HealthCheck c : healthChecks) {
            registry.register(c);
        }
    }

    /** The application's metrics (also bound as {@code backupMetrics}). */
    public org.ipfsbackup.observe.BackupMetrics metrics() {
        return metrics;
    }

    /**
     * Alert settings checked; camel-mail configured (credentials on the component, never in a URI) and/or the webhook
     * endpoint (scheme://host:port only; the token-bearing path is sent per message); one spool per channel.
     */
    private static AlertBinding alerts(CamelContext ctx, AlertSettings settings, Secrets secrets, Clock clock,
                                       org.ipfsbackup.watchdog.Watchdog watchdog, org.ipfsbackup.observe.BackupMetrics metrics,
                                       Path spoolDir) {
        PropertiesComponent pc = ctx.getPropertiesComponent();
        pc.addOverrideProperty("alert.mail.uri", "log:ipfs-backup.alert-mail?level=WARN");
        pc.addOverrideProperty("alert.webhook.uri", "log:ipfs-backup.alert-webhook?level=WARN");
        if (!settings.enabled() || (!settings.email() && !settings.webhook())) {
            return new AlertBinding(settings, null, clock, watchdog);
        }
        java.util.List<String> known = new java.util.ArrayList<>();
        for (String name : new String[] {"BACKUP_ENCRYPTION_KEY", AlertSettings.PASSWORD_SECRET, AlertSettings.WEBHOOK_SECRET,
                "IPFS_CLUSTER_PASSWORD", "IPFS_CLUSTER_TOKEN"}) {
            secrets.get(name).ifPresent(known::add);
        }
        AlertComposer composer = new AlertComposer(hostName(), known);
        java.util.List<AlertDispatcher.Channel> channels = new java.util.ArrayList<>();
        if (settings.email()) {
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
            channels.add(new AlertDispatcher.Channel("mail", new AlertBinding.MailSender(ctx, composer, settings)
                    .onSent(e -> metrics.alertSent(e.name())), spool(spoolDir)));
        }
        if (settings.webhook()) {
            pc.addOverrideProperty("alert.webhook.uri", AlertBinding.WebhookSender.endpoint(settings.webhookUrl())
                    + "?throwExceptionOnFailure=true&connectTimeout=10000&responseTimeout=30000");
            // e-mail keeps the spool directory itself (as before webhooks existed); the webhook's is a folder inside it
            channels.add(new AlertDispatcher.Channel("webhook", new AlertBinding.WebhookSender(ctx, composer, settings.webhookUrl())
                    .onSent(settings.email() ? e -> { } : e -> metrics.alertSent(e.name())),
                    spool(spoolDir.resolve("webhook"))));
        }
        AlertDispatcher dispatcher = new AlertDispatcher(new AlertThrottle(settings.repeatInterval(), clock), channels);
        return new AlertBinding(settings, dispatcher, clock, watchdog);
    }

    private static AlertSpool spool(Path dir) {
        try {
            return new DirectorySpool(dir);
        } catch (RuntimeException e) {
            throw new org.ipfsbackup.config.ConfigException("ALERT_SPOOL_DIR (alert.spool-dir) = " + dir + " cannot be used: " + e.getMessage(), e);
        }
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

    /**
     * Runs one backup through the same routes the schedules use ({@code direct:backup-full},
     * {@code direct:backup-incremental}, {@code direct:backup-slice}): type full, incremental or slice.
     */
    public Outcome runBackup(String type) {
        if (!"full".equals(type) && !"incremental".equals(type) && !"slice".equals(type)) {
            throw new IllegalArgumentException("unknown backup type: " + type);
        }
        String entryPoint = switch (type) {
            case "full" -> "direct:backup-full";
            case "slice" -> "direct:backup-slice";
            default -> "direct:backup-incremental";
        };
        Exchange ex = context().createProducerTemplate().send(entryPoint, e -> e.setPattern(ExchangePattern.InOut));
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

    /** What a rekey run did (null result when it was skipped or failed before re-wrapping). */
    public record RekeyOutcome(org.ipfsbackup.manifest.ManifestRekey.Result result, String manifestCid, String failure, String skipped) {
    }

    /** Re-wraps every manifest entry's data key under the current master key ({@code direct:rekey}). */
    public RekeyOutcome runRekey(boolean dryRun) {
        Exchange ex = context().createProducerTemplate().send("direct:rekey", e -> {
            e.setPattern(ExchangePattern.InOut);
            e.getMessage().setHeader(RekeyBinding.DRY_RUN, dryRun);
        });
        var m = ex.getMessage();
        String failure = m.getHeader(RekeyBinding.FAILURE, String.class);
        if (failure == null && ex.getException() != null) {
            failure = JobBinding.describe(ex.getException());
        }
        return new RekeyOutcome(m.getHeader(RekeyBinding.RESULT, org.ipfsbackup.manifest.ManifestRekey.Result.class),
                Boolean.TRUE.equals(m.getHeader(RekeyBinding.PUBLISH)) ? m.getHeader(BackupHeaders.MANIFEST_CID, String.class) : null,
                failure, m.getHeader(BackupHeaders.SKIPPED, String.class));
    }

    /** Start-up recovery now ({@code direct:startup-recovery}): unpins pins of ours the manifest does not know (see {@link RecoveryBinding}). */
    @SuppressWarnings("unchecked")
    public java.util.List<org.ipfsbackup.recovery.OrphanAction> runRecovery() {
        Exchange ex = context().createProducerTemplate().send("direct:startup-recovery", e -> e.setPattern(ExchangePattern.InOut));
        java.util.List<org.ipfsbackup.recovery.OrphanAction> report = ex.getMessage().getHeader(RecoveryBinding.REPORT, java.util.List.class);
        if (report == null) {
            throw new IllegalStateException("start-up recovery failed; see the log (step=recovery outcome=failed)");
        }
        return report;
    }

    /** The drill's target (RESTORE_DRILL_TARGET_URI), null when unset or no IPFS node to download from; the source is refused. */
    private static DrillBinding.Target drillTarget(org.ipfsbackup.config.PropertySource props, AppConfig cfg, Components parts, BackupCipher cipher) {
        String uri = props.getOrDefault("restore-drill.target-uri", "");
        if (uri.isBlank() || parts.fetcher() == null) {
            return null;
        }
        org.ipfsbackup.config.Urls.mongo("RESTORE_DRILL_TARGET_URI (restore-drill.target-uri)", uri);
        if (org.ipfsbackup.drill.RestoreDrill.sameServer(cfg.mongoUri(), uri)) {
            throw new org.ipfsbackup.config.ConfigException("RESTORE_DRILL_TARGET_URI (restore-drill.target-uri) names the source (MONGODB_URI):"
                    + " a drill drops what it restores, give a scratch server");
        }
        return new DrillBinding.Target(uri, new org.ipfsbackup.restore.PointInTimeRestore(parts.fetcher(), cipher,
                cfg.workDir().resolve("drill"), java.util.Set.of(cfg.manifestDatabase()), LOG::info)
                .withParallelCollections(AppConfig.restoreParallelCollections(props)), java.util.Set.of(cfg.manifestDatabase()));
    }

    /** Runs a restore drill now ({@code direct:restore-drill}). */
    public void runDrill() {
        context().createProducerTemplate().send("direct:restore-drill", e -> { });
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

    /** Blocks until the JVM is asked to stop (SIGTERM/SIGINT) and the application has stopped ({@link #stopOnSignal}). */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /**
     * The JVM shutdown hook (SIGTERM, SIGINT; one-shot commands and the service alike): a running job is stopped
     * ({@link JobBinding#abort}: its mongodump and what that started are stopped, its thread interrupted), so it fails
     * and the dead-letter route cleans up as for any failure (work folder removed, unrecorded upload unpinned, lock
     * released, alert). It gets {@code backup.stop-timeout} (10 s) for that; a job still running then has its folder
     * removed and the lock released from here. Then Camel stops, with the same timeout for anything still in flight.
     * The JVM then exits with the signal's status (143 for SIGTERM).
     */
    void stopOnSignal() {
        try {
            JobBinding j = jobs;
            if (j != null && j.abort("the process was asked to stop (SIGTERM/SIGINT)")) {
                LOG.warn("stopping: the running job is stopped and cleaned up (backup.stop-timeout {})", stopTimeout);
                if (!j.awaitIdle(stopTimeout)) {
                    j.abandonRunning();
                }
            }
            CamelContext ctx = context();
            if (ctx != null) {
                ctx.getShutdownStrategy().setTimeUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
                ctx.getShutdownStrategy().setTimeout(Math.max(1, stopTimeout.toMillis()));
            }
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("error while stopping: {}", e.toString());
        } finally {
            stopped.countDown();
        }
    }

    @Override
    public synchronized void close() {
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs (or ran) stopOnSignal
            }
        }
        shutdownHook = null;
        if (hawtio != null) {
            hawtio.stop();
            hawtio = null;
        }
        if (operations != null) {
            operations.unregister();
            operations = null;
        }
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
        if (healthMongo != null) {
            healthMongo.close();
            healthMongo = null;
        }
    }
}
