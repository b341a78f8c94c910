package org.ipfsbackup.cli;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.ipfsbackup.config.Durations;
import org.ipfsbackup.config.PropertySource;
import org.ipfsbackup.job.BackupLock;
import org.ipfsbackup.job.LeaseHolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "cancel", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup cancel --reason \"wrong time, runs tonight\""},
        description = "Cancel the running job (a backup, retention, rekey), on whichever instance runs it: the request is set on the job "
                + "lock in MongoDB, the holder sees it within seconds and stops the job (mongodump stopped, work folder removed, what it "
                + "uploaded unpinned, nothing recorded, lock released; logged as cancelled, no failure alert). Waits until the lock is free. "
                + "Exit 0 when it ended (or nothing ran), 1 when it still runs after --wait.")
class CancelCommand extends CliCommand.Configured {

    @Option(names = "--reason", paramLabel = "TEXT", description = "said in the job's log line (default: cancelled by hand)")
    String reason;

    @Option(names = "--wait", paramLabel = "DURATION", description = "how long to wait for the job to end (default 2m; 0: do not wait)")
    String wait = "2m";

    @Override
    public Integer call() throws Exception {
        var out = out();
        var err = err();
        PropertySource p = options.properties();
        Duration waitFor = Durations.parse("--wait", wait);
        try (var mongo = org.ipfsbackup.mongo.MongoConnections.create(p.require("mongodb.uri"));
             BackupLock lock = BackupLock.inDatabase(mongo.getDatabase(p.getOrDefault("manifest.database", "ipfs_backup")), Clock.systemUTC())) {
            String why = "ipfs-backup cancel" + (reason == null || reason.isBlank() ? "" : ": " + reason.strip());
            Optional<LeaseHolder> asked = lock.requestCancel(why);
            if (asked.isEmpty()) {
                out.println("nothing is running: nothing to cancel" + lock.currentHolder().map(h -> " (the lease of " + h
                        + " has expired: its holder stopped without releasing it)").orElse(""));
                return 0;
            }
            LeaseHolder h = asked.get();
            out.println("cancel requested for " + h);
            long deadline = System.nanoTime() + waitFor.toNanos();
            while (System.nanoTime() < deadline) {
                Optional<LeaseHolder> now = lock.currentHolder();
                if (now.isEmpty() || !sameRun(now.get(), h) || (now.get().expiresAt() != null && now.get().expiresAt().isBefore(Instant.now()))) {
                    out.println("the " + h.job() + " job has ended; the lock is free" + now.filter(x -> !sameRun(x, h))
                            .map(x -> " (now held by " + x + ")").orElse(""));
                    return 0;
                }
                Thread.sleep(250);
            }
            if (waitFor.isZero()) {
                return 0;
            }
            err.println("error: the " + h.job() + " job still holds the lock after " + wait + "; its instance (" + h.owner()
                    + ") may be busy in a step that does not stop at once: see its log, then 'ipfs-backup status'");
            return 1;
        }
    }

    private static boolean sameRun(LeaseHolder a, LeaseHolder b) {
        return a.owner().equals(b.owner()) && java.util.Objects.equals(a.acquiredAt(), b.acquiredAt());
    }
}
