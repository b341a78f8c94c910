package org.ipfsbackup.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ipfsbackup.camel.BackupApplication;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "backup", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup backup full --json", "  ipfs-backup backup incremental", "  ipfs-backup backup slice"},
        description = "Run one backup now, through the same routes as the schedule, and print its manifest entry.")
class BackupCommand extends CliCommand.Configured {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Parameters(index = "0", description = "backup type: full, incremental or slice (an incremental of the newest chain marked as an oplog slice:"
            + " never a full, fails on an oplog gap)", paramLabel = "TYPE")
    String type;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        if (!"full".equals(type) && !"incremental".equals(type) && !"slice".equals(type)) {
            throw usage("unknown backup type '" + type + "': use full, incremental or slice");
        }
        try (BackupApplication app = options.start(false)) {
            BackupApplication.Outcome o = app.runBackup(type);
            if (o.wasSkipped()) {
                err().println(type + " backup skipped: " + o.skipped());
                return 0;
            }
            if (o.fallbackReason() != null) {
                err().println("ran a full backup instead of an incremental: " + o.fallbackReason());
            }
            if (!o.succeeded()) {
                err().println("error: backup failed in step " + o.failedStep() + ": " + o.failure() + "; check " + whatToCheck(o.failedStep()));
                return 1;
            }
            if (json.on) {
                Map<String, Object> out = new LinkedHashMap<>(JSON.convertValue(o.entry(), Map.class));
                out.put("manifestCid", o.manifestCid());
                json.print(out(), out);
            } else {
                var e = o.entry();
                out().printf("%s%s backup %s%n  cid       %s%n  bytes     %d%n  sha256    %s%n  peers     %s%n  databases %s%n  manifest  %s%n",
                        e.type(), e.isSliceEntry() ? " (slice)" : "", e.fileName(), e.cid(), e.size(), e.sha256(), e.peers(), e.databases(), o.manifestCid());
            }
            return 0;
        }
    }

    /** What an operator looks at first when a backup fails in this step. */
    static String whatToCheck(String step) {
        String s = step == null ? "" : step;
        if (s.contains("dump") || s.contains("oplog")) {
            return "that MongoDB (MONGODB_URI) answers and the user may read every database and the oplog; -v shows the log";
        }
        if (s.contains("upload") || s.contains("pin") || s.contains("ipfs")) {
            return "that the IPFS Cluster peers (IPFS_CLUSTER_NODE_1/2) answer and have room (`ipfs-backup status`); -v shows the log";
        }
        if (s.contains("archive") || s.contains("encrypt")) {
            return "free space and permissions in BACKUP_WORK_DIR; -v shows the log";
        }
        if (s.contains("manifest")) {
            return "that MongoDB (MONGODB_URI) accepts writes to the manifest database; -v shows the log";
        }
        return "the log (-v) and docs/failure-cases.md";
    }
}
