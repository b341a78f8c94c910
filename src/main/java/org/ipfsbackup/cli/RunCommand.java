package org.ipfsbackup.cli;

import org.ipfsbackup.camel.BackupApplication;
import picocli.CommandLine.Command;

@Command(name = "run", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup run"},
        description = "Run the service: the scheduled full and incremental backups, retention, verification and the watchdog, until stopped (SIGTERM).")
class RunCommand extends CliCommand.Configured {
    @Override
    public Integer call() throws Exception {
        BackupApplication app = options.start(true);
        app.awaitShutdown(); // SIGTERM: the running job is stopped and cleaned up, then the service stops
        return 0;
    }
}
