package org.ipfsbackup.cli;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.ipfsbackup.config.PropertySource;
import org.ipfsbackup.job.BackupLock;
import org.ipfsbackup.manifest.BackupDeletion;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delete", mixinStandardHelpOptions = true,
        footer = {"", "Example:", "  ipfs-backup delete bafy... --dry-run", "  ipfs-backup delete bafy... --force --reason \"dumped the wrong database\""},
        description = "Delete one backup: its manifest entry is marked deleted (time and reason; list, status, restore and retention "
                + "then treat it as gone, the next manifest version carries it as deleted) and it is unpinned from the cluster. "
                + "Refused (exit 1) when later incrementals of its chain build on it, naming them, unless --force (then it says which "
                + "restore points are lost); refused for an unknown CID and for a manifest version. Takes the job lock: not while a job runs.")
class DeleteCommand extends CliCommand.Configured {

    @Parameters(index = "0", paramLabel = "CID", description = "the backup's CID (see 'ipfs-backup list')")
    String cid;

    @Option(names = "--force", description = "delete even when later backups of its chain build on it (they no longer restore)")
    boolean force;

    @Option(names = "--dry-run", description = "say what would happen, change nothing")
    boolean dryRun;

    @Option(names = "--reason", paramLabel = "TEXT", description = "recorded with the deletion (default: deleted by hand)")
    String reason;

    @Override
    public Integer call() throws Exception {
        var out = out();
        var err = err();
        PropertySource p = options.properties();
        RecoveryContext ctx = new RecoveryContext(options, null);
        try (var mongo = org.ipfsbackup.mongo.MongoConnections.create(p.require("mongodb.uri"))) {
            ManifestStore repo = ctx.repository(mongo);
            if (repo.isManifestVersion(cid)) {
                err.println("error: " + cid + " is a published manifest version (the head or one in the manifest history), not a backup: "
                        + "manifest versions are kept or unpinned by retention, never deleted by hand; nothing changed");
                return 1;
            }
            BackupDeletion.Plan plan = plan(repo, err);
            if (plan == null) {
                return 1;
            }
            if (dryRun) {
                describe(plan, out, "would delete");
                out.println("dry run: nothing changed");
                return plan.breaksChain() && !force ? 1 : 0;
            }
            try (BackupLock lock = BackupLock.inDatabase(mongo.getDatabase(p.getOrDefault("manifest.database", "ipfs_backup")), Clock.systemUTC())) {
                if (!lock.tryAcquire("delete")) {
                    err.println("error: a " + lock.holder() + " job is running; delete it after that job ends (or cancel it: "
                            + "'ipfs-backup cancel'); nothing changed");
                    return 1;
                }
                try {
                    plan = plan(repo, err); // again, under the lock: a backup may have extended the chain meanwhile
                    return plan == null ? 1 : delete(repo, plan, p);
                } finally {
                    lock.release();
                }
            }
        }
    }

    /** The plan, or null (the refusal printed) when the CID is unknown or the deletion breaks a chain without --force. */
    private BackupDeletion.Plan plan(ManifestStore repo, java.io.PrintWriter err) {
        BackupDeletion.Plan plan;
        try {
            plan = BackupDeletion.plan(repo.all(), cid);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + "; nothing changed");
            return null;
        }
        if (plan.breaksChain() && !force && !dryRun) {
            err.println("error: refused: " + plan.refusal() + "; nothing changed");
            return null;
        }
        return plan;
    }

    private int delete(ManifestStore repo, BackupDeletion.Plan plan, PropertySource p) {
        var out = out();
        var err = err();
        ManifestEntry e = plan.entry();
        if (ManifestEntry.DELETED.equals(e.status())) {
            out.println("backup " + cid + " was already deleted at " + e.deletedAt() + (e.deleteReason() == null ? "" : " (" + e.deleteReason() + ")")
                    + "; its unpin is made sure of");
        } else if (!ManifestEntry.COMPLETE.equals(e.status())) {
            err.println("error: backup " + cid + " has status '" + e.status() + "', not complete: nothing to delete; nothing changed");
            return 1;
        } else {
            describe(plan, out, "deleting");
            String why = (reason == null || reason.isBlank() ? "deleted by hand" : reason.strip())
                    + (plan.breaksChain() ? " (--force; restore points lost: " + plan.lostText() + ")" : "");
            repo.markDeleted(cid, Instant.now(), why);
            out.println("manifest entry marked deleted (" + why + "); the next manifest version (next backup, retention or rekey) carries it");
        }
        try {
            boolean had = RecoveryContext.cluster(options, p, Duration.ofSeconds(60)).unpin(cid);
            out.println(had ? "unpinned from the cluster (every peer)" : "the cluster did not have it pinned (already unpinned)");
            return 0;
        } catch (RuntimeException ex) {
            err.println("error: the entry is marked deleted but the cluster (IPFS_CLUSTER_NODE_1/2) did not unpin it: "
                    + org.ipfsbackup.mongo.Masking.maskUri(Main.messageOf(ex)) + "; run 'ipfs-backup delete " + cid
                    + "' again to unpin it");
            return 1;
        }
    }

    private void describe(BackupDeletion.Plan plan, java.io.PrintWriter out, String verb) {
        ManifestEntry e = plan.entry();
        out.println(verb + " " + e.type() + " backup " + e.cid() + " of " + e.timestamp());
        if (plan.breaksChain()) {
            out.println("  " + plan.dependents().size() + " later backup(s) build on it and no longer restore: "
                    + String.join(", ", plan.dependents().stream().map(ManifestEntry::cid).toList()));
        }
        out.println("  restore points lost: " + plan.lostText());
    }
}
