package org.ipfsbackup.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.retention.RetentionDecision;
import org.ipfsbackup.retention.RetentionPolicy;
import org.ipfsbackup.retention.RetentionSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "retention", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup retention --dry-run"},
        description = "Unpin backups older than the retention period (chains are never broken; the newest chain stays), "
        + "through the same routes as the schedule. --dry-run prints what would go and why, changing nothing.")
class RetentionCommand extends CliCommand.Configured {
    @Option(names = "--dry-run", description = "print the decisions only")
    boolean dryRun;

    @Option(names = "--now", paramLabel = "TIME", description = "decide as if it were this time (e.g. to see what expires next month)")
    String now;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        Instant at = now == null ? Instant.now() : RestoreCommand.parseTime(now);
        var out = out();
        if (dryRun) {
            var props = options.properties();
            RetentionSettings settings = org.ipfsbackup.app.AppConfig.retentionPolicy(props);
            List<RetentionDecision> decisions = new RetentionPolicy(settings, Clock.fixed(at, ZoneOffset.UTC))
                    .decide(new RecoveryContext(options, List.of()).manifestFromMongo(null));
            print(decisions, null, Map.of(), true);
            return 0;
        }
        try (BackupApplication app = options.start(false)) {
            BackupApplication.RetentionOutcome o = app.runRetention(at);
            if (o.skipped() != null) {
                err().println("retention skipped: " + o.skipped());
                return 0;
            }
            if (o.decisions() != null) {
                print(o.decisions(), o.unpinned(), o.failedUnpins() == null ? Map.of() : o.failedUnpins(), false);
            }
            if (o.failure() != null) {
                err().println("retention failed: " + o.failure());
                return 1;
            }
            if (o.manifestCid() != null) {
                err().println("new manifest version: " + o.manifestCid());
            }
            return 0;
        }
    }

    private void print(List<RetentionDecision> decisions, List<String> unpinned, Map<String, String> failed, boolean dry) throws Exception {
        var out = out();
        long expire = decisions.stream().filter(RetentionDecision::expire).count();
        if (json.on) {
            List<Map<String, Object>> rows = decisions.stream().map(d -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("cid", d.entry().cid());
                r.put("type", d.entry().type());
                r.put("timestamp", d.entry().timestamp().toString());
                r.put("action", d.expire() ? (dry ? "would-expire" : failed.containsKey(d.entry().cid()) ? "unpin-failed" : "expired") : "keep");
                r.put("reason", d.reason());
                return r;
            }).toList();
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("dryRun", dry);
            all.put("unpinned", unpinned == null ? 0 : unpinned.size());
            all.put("kept", decisions.size() - expire);
            all.put("failed", failed.size());
            all.put("decisions", rows);
            json.print(out(), all);
            return;
        }
        for (RetentionDecision d : decisions) {
            String action = d.expire() ? (dry ? "WOULD EXPIRE" : failed.containsKey(d.entry().cid()) ? "UNPIN FAILED" : "EXPIRED") : "keep";
            out.printf("%-12s %-11s %-24s %s  %s%n", action, d.entry().type(), d.entry().timestamp(), d.entry().cid(), d.reason());
        }
        out.printf("%s: %d to expire, %d kept%n", dry ? "dry run, nothing changed" : "done", expire, decisions.size() - expire);
    }
}
