package org.ipfsbackup.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import org.ipfsbackup.camel.BackupApplication;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "run", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup run"},
        description = "Run the service: the scheduled full and incremental backups, retention, verification and the watchdog, until stopped (SIGTERM).")
class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        BackupApplication app = BackupApplication.start(new BackupApplication.Options(options.configFile(), options.routesDir(),
                Map.of(), options.env(), true));
        app.awaitShutdown(); // SIGTERM: the running job is stopped and cleaned up, then the service stops
        return 0;
    }
}
