package org.ipfsbackup.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.TimeBasedRollingPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.ipfsbackup.config.ConfigException;
import org.slf4j.LoggerFactory;

/**
 * Log output as the operator chose it: {@code BACKUP_LOG_FORMAT} {@code text} (default) or {@code json} (one
 * object per line), and with {@code BACKUP_LOG_DIR} also a file {@code ipfs-backup.log} in that directory, rolled
 * daily ({@code ipfs-backup.YYYY-MM-DD.log.gz}, 14 days kept). Either way every message and stack trace passes
 * through {@link org.ipfsbackup.mongo.Masking}: no credential in a URI reaches the log. Without either variable
 * the packaged logback.xml stays as it is (text on stderr, masked the same way).
 */
public final class LogSetup {
    public static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{30} - %maskedMsg%n%maskedEx";
    public static final String FILE_NAME = "ipfs-backup.log";

    private LogSetup() {
    }

    /** Applies BACKUP_LOG_FORMAT / BACKUP_LOG_DIR / IPFS_BACKUP_LOG_LEVEL from this environment; false when nothing to change. */
    public static boolean configure(Map<String, String> env) {
        String format = env.getOrDefault("BACKUP_LOG_FORMAT", "").trim().toLowerCase(Locale.ROOT);
        String dir = env.getOrDefault("BACKUP_LOG_DIR", "").trim();
        if (!format.isEmpty() && !format.equals("text") && !format.equals("json")) {
            throw new ConfigException("BACKUP_LOG_FORMAT = '" + format + "' must be text or json");
        }
        if ((format.isEmpty() || format.equals("text")) && dir.isEmpty()) {
            return false;
        }
        apply(format.equals("json"), dir.isEmpty() ? null : Path.of(dir), env.getOrDefault("IPFS_BACKUP_LOG_LEVEL", "INFO"));
        return true;
    }

    /**
     * One-shot commands: the same BACKUP_LOG_FORMAT / BACKUP_LOG_DIR, always applied, with the root at {@code level}
     * (WARN unless -v): the operator sees warnings, errors and the command's own output, not Camel's start-up.
     */
    public static void configureOneShot(Map<String, String> env, String level) {
        String format = env.getOrDefault("BACKUP_LOG_FORMAT", "").trim().toLowerCase(Locale.ROOT);
        if (!format.isEmpty() && !format.equals("text") && !format.equals("json")) {
            throw new ConfigException("BACKUP_LOG_FORMAT (--log-format) = '" + format + "' must be text or json");
        }
        String dir = env.getOrDefault("BACKUP_LOG_DIR", "").trim();
        apply(format.equals("json"), dir.isEmpty() ? null : Path.of(dir), level);
    }

    /** Replaces the logback configuration: stderr, plus a daily rolled file in {@code dir} when given. */
    public static void apply(boolean json, Path dir, String rootLevel) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        configure(ctx, json, dir, rootLevel);
    }

    /** Configures {@code ctx} (fresh or reset): what {@link #apply} and {@link DefaultLogConfigurator} set up. */
    static void configure(LoggerContext ctx, boolean json, Path dir, String rootLevel) {
        registerConverters(ctx);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("STDERR");
        console.setTarget("System.err");
        console.setEncoder(encoder(ctx, json));
        console.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(rootLevel, Level.INFO));
        root.addAppender(console);
        if (dir != null) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new ConfigException("BACKUP_LOG_DIR = " + dir + " cannot be created: " + e.getMessage(), e);
            }
            if (!Files.isWritable(dir)) {
                throw new ConfigException("BACKUP_LOG_DIR = " + dir + " is not writable");
            }
            RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
            file.setContext(ctx);
            file.setName("FILE");
            file.setFile(dir.resolve(FILE_NAME).toString());
            TimeBasedRollingPolicy<ILoggingEvent> rolling = new TimeBasedRollingPolicy<>();
            rolling.setContext(ctx);
            rolling.setParent(file);
            rolling.setFileNamePattern(dir.resolve("ipfs-backup.%d{yyyy-MM-dd}.log.gz").toString());
            rolling.setMaxHistory(14);
            rolling.start();
            file.setRollingPolicy(rolling);
            file.setEncoder(encoder(ctx, json));
            file.start();
            root.addAppender(file);
        }
        // the same quiet loggers as logback.xml
        ctx.getLogger("org.mongodb.driver").setLevel(Level.WARN);
        ctx.getLogger("org.apache.camel.impl.engine").setLevel(Level.WARN);
        ctx.getLogger("org.quartz").setLevel(Level.WARN);
        ctx.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
    }

    @SuppressWarnings("unchecked")
    static void registerConverters(LoggerContext ctx) {
        Map<String, String> rules = (Map<String, String>) ctx.getObject(ch.qos.logback.core.CoreConstants.PATTERN_RULE_REGISTRY);
        if (rules == null) {
            rules = new HashMap<>();
            ctx.putObject(ch.qos.logback.core.CoreConstants.PATTERN_RULE_REGISTRY, rules);
        }
        rules.put("maskedMsg", MaskingMessageConverter.class.getName());
        rules.put("maskedEx", MaskingThrowableConverter.class.getName());
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext ctx, boolean json) {
        if (json) {
            return JsonLogEncoder.create(ctx);
        }
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(ctx);
        e.setPattern(TEXT_PATTERN);
        e.start();
        return e;
    }

    /** For tests: the text layout on its own. */
    static PatternLayout layout(LoggerContext ctx) {
        registerConverters(ctx);
        PatternLayout l = new PatternLayout();
        l.setContext(ctx);
        l.setPattern(TEXT_PATTERN);
        l.start();
        return l;
    }
}
