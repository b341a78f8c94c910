package org.ipfsbackup.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.config.PropertySource;
import picocli.CommandLine.Option;

/** Where the configuration and routes come from; shared by every command. */
public class ConfigOptions {
    @Option(names = "--config", description = "application.properties to use (default: $BACKUP_CONFIG, ./application.properties, or the packaged one)")
    Path config;

    @Option(names = "--routes", description = "directory of *.camel.yaml routes (default: $BACKUP_ROUTES_DIR, ./routes, or the packaged ones)")
    Path routes;

    // applied before the command runs (Main.configureLogging); declared here so every command accepts them
    @Option(names = {"-v", "--verbose"}, description = "log at INFO (one-shot commands log only warnings and errors by default)")
    boolean verbose;

    @Option(names = "--log-format", paramLabel = "text|json", description = "log format on stderr (default: $BACKUP_LOG_FORMAT or text)")
    String logFormat;

    @Option(names = "--progress", paramLabel = "auto|terminal|lines|off", description = "progress on stderr: one line rewritten"
            + " on a terminal, else a line every $BACKUP_PROGRESS_INTERVAL (10s); auto (default) looks for a console")
    String progress;

    Map<String, String> env() {
        return Main.environment;
    }

    Path configFile() {
        if (config != null) {
            return config;
        }
        String e = env().get("BACKUP_CONFIG");
        if (e != null && !e.isBlank()) {
            return Path.of(e);
        }
        Path local = Path.of("application.properties");
        return Files.isRegularFile(local) ? local : null;
    }

    Path routesDir() {
        if (routes != null) {
            return routes;
        }
        String e = env().get("BACKUP_ROUTES_DIR");
        if (e != null && !e.isBlank()) {
            return Path.of(e);
        }
        Path local = Path.of("routes");
        return Files.isDirectory(local) ? local : null;
    }

    /**
     * The application with these settings and routes: with its schedules for the service ({@code run}), without them
     * for a one-shot command beside a running service.
     */
    org.ipfsbackup.camel.BackupApplication start(boolean schedules) throws Exception {
        return org.ipfsbackup.camel.BackupApplication.start(new org.ipfsbackup.camel.BackupApplication.Options(configFile(), routesDir(),
                Map.of(), env(), schedules));
    }

    /** The settings with Camel's placeholder rules ({{env:NAME:default}}), without starting any route. */
    public PropertySource properties() {
        Path file = configFile();
        if (file != null && !Files.isRegularFile(file)) {
            throw new ConfigException("configuration file " + file + " does not exist");
        }
        DefaultCamelContext ctx = new DefaultCamelContext(false);
        PropertiesComponent pc = ctx.getPropertiesComponent();
        pc.setLocation((file != null ? "file:" + file.toAbsolutePath() + "," : "") + "classpath:application.properties");
        pc.addPropertiesFunction(new org.ipfsbackup.config.EnvFunction(env())); // {{env:NAME:default}} from the environment the CLI was given
        return key -> {
            try {
                return pc.resolveProperty(key);
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        };
    }
}
