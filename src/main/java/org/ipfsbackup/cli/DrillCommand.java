package org.ipfsbackup.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.drill.RestoreDrill;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.restore.PointInTimeRestore;
import org.ipfsbackup.restore.RestoreOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "drill", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup drill --target-uri mongodb://127.0.0.1:27018 --json"},
        description = "Restore drill: restores the newest chain into a SCRATCH server (its databases of the backup are dropped, "
        + "before and after), compares every collection's document count and digest with those recorded at backup time, "
        + "records pass/fail and the restore time on the full backup's manifest entry; exit 1 when the drill fails.")
class DrillCommand extends CliCommand.Configured {
    @Option(names = "--target-uri", paramLabel = "URI", description = "scratch MongoDB to restore into (default RESTORE_DRILL_TARGET_URI); "
            + "never the source")
    String targetUri;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        RecoveryContext ctx = new RecoveryContext(options, List.of());
        String target = targetUri != null ? targetUri : ctx.props.getOrDefault("restore-drill.target-uri", "");
        if (target.isBlank()) {
            throw usage("no drill target: give --target-uri or set RESTORE_DRILL_TARGET_URI (restore-drill.target-uri) to a scratch MongoDB");
        }
        String source = ctx.props.require("mongodb.uri");
        if (RestoreDrill.sameServer(source, target)) {
            throw usage("the drill target " + org.ipfsbackup.mongo.Masking.maskUri(target) + " is the source (MONGODB_URI): a drill "
                    + "drops what it restores, give a scratch server");
        }
        BackupCipher cipher = KeyOptions.cipher(options);
        String manifestDb = ctx.props.getOrDefault("manifest.database", "ipfs_backup");
        var err = err();
        try (var sourceClient = org.ipfsbackup.mongo.MongoConnections.create(source);
             var targetClient = org.ipfsbackup.mongo.MongoConnections.create(target)) {
            var store = ctx.repository(sourceClient);
            List<ManifestEntry> entries = store.all();
            PointInTimeRestore restorer = new PointInTimeRestore(ctx.fetcher(), cipher, ctx.workDir(), Set.of(manifestDb), err::println)
                    .withParallelCollections(ctx.parallelCollections());
            RestoreDrill.Outcome o = new RestoreDrill(java.time.Clock.systemUTC(), err::println).run(entries, targetClient, Set.of(manifestDb),
                    plan -> restorer.restore(plan, targetClient, target, new RestoreOptions(true, List.of(), ""), null).namespaces());
            store.recordDrill(o.full().cid(), o.at(), o.text(), o.restore().toMillis());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("verified", o.passed());
            out.put("full", o.full().cid());
            out.put("incrementals", o.incrementals());
            out.put("collections", o.compared());
            out.put("documents", o.documents());
            out.put("restoreSeconds", o.restore().toMillis() / 1000.0);
            out.put("seconds", o.total().toMillis() / 1000.0);
            out.put("differences", o.differences());
            if (json.on) {
                json.print(out(), out);
            } else {
                out().printf("drill %s: full %s%s restored in %.1f s, %d collections (%d documents) compared%n", o.passed() ? "PASSED" : "FAILED",
                        o.full().fileName(), o.incrementals() == 0 ? "" : " + " + o.incrementals() + " incremental(s)",
                        o.restore().toMillis() / 1000.0, o.compared(), o.documents());
                o.differences().forEach(d -> out().println("  " + d));
            }
            return o.passed() ? 0 : 1;
        }
    }
}
