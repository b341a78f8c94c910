package org.ipfsbackup.cli;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.manifest.BackupChains;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.restore.MongorestoreEngine;
import org.ipfsbackup.restore.PointInTimeRestore;
import org.ipfsbackup.restore.RestoreOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup restore latest --target-uri mongodb://127.0.0.1:27018 --drop", "  ipfs-backup restore --at 2026-01-31T12:00:00Z --target-uri mongodb://127.0.0.1:27018"},
        description = "Restore the newest state, or the state at a point in time: picks the full backup and the incrementals needed, "
        + "downloads and checks all of them, then restores and replays the oplog up to --at.")
class RestoreCommand extends CliCommand.Configured {
    @Parameters(index = "0", arity = "0..1", paramLabel = "latest", description = "restore the newest state (the default)")
    String latest;

    @Option(names = "--at", paramLabel = "TIME", description = "point in time, second precision: 2026-11-27T10:15:30Z or with an offset (+01:00)")
    String at;

    @Option(names = "--target-uri", required = true, paramLabel = "URI")
    String targetUri;

    @Option(names = "--drop", description = "drop, before anything is written, every target collection the restore writes: the backup's "
            + "and those only in its oplogs (without it, one that holds documents stops the restore)")
    boolean drop;

    @Option(names = "--ns-include", paramLabel = "PATTERN", description = "db.collection pattern(s) (* wildcard); default: the databases of the backup")
    List<String> nsInclude = new ArrayList<>();

    @Option(names = "--manifest-cid", paramLabel = "CID", description = "read the manifest from IPFS (when the MongoDB holding it is gone)")
    String manifestCid;

    @Option(names = "--node", paramLabel = "URL", description = "Kubo RPC URL(s) to download from (default ipfs.nodes)")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--engine", paramLabel = "ENGINE", description = "driver, mongorestore, or auto (default): mongorestore when it is "
            + "found (restore.mongorestore-path) and the target has applyOps, else driver. mongorestore on a target without applyOps "
            + "(FerretDB): mongorestore --noIndexRestore, then the driver creates the indexes and replays the oplog")
    String engine = "auto";

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        if (latest != null && !latest.equals("latest")) {
            throw usage("unexpected '" + latest + "': use 'latest' or --at TIME");
        }
        if (latest != null && at != null) {
            throw usage("give either 'latest' or --at, not both");
        }
        Instant when = at == null ? null : parseTime(at);
        if (!java.util.Set.of("auto", "driver", "mongorestore").contains(engine)) {
            throw usage("--engine must be auto, driver or mongorestore, got '" + engine + "'");
        }
        RecoveryContext ctx = new RecoveryContext(options, nodes);
        BackupCipher cipher = KeyOptions.cipher(options);
        var err = err();
        // the driver connects in the background: nothing is sent to the target before the engine probe below
        try (var target = org.ipfsbackup.mongo.MongoConnections.create(targetUri)) {
            // while the manifest is read: the target probed for the engine, and the IPFS client built (0.1 s at start-up)
            List<String> engineNote = new java.util.concurrent.CopyOnWriteArrayList<>();
            var engineChosen = java.util.concurrent.CompletableFuture.supplyAsync(() -> chooseEngine(ctx, target, engineNote::add));
            var fetcher = java.util.concurrent.CompletableFuture.supplyAsync(ctx::fetcher);
            List<ManifestEntry> entries = manifestCid != null ? ctx.manifestFromIpfs(manifestCid, cipher, err::println) : ctx.manifestFromMongo(null);
            BackupChains.RestorePlan plan = BackupChains.planRestore(entries, when);
            err.println("restore plan: full " + plan.full().fileName() + " (" + plan.full().cid() + ")"
                    + (plan.incrementals().isEmpty() ? "" : " + " + plan.incrementals().size() + " incremental(s)")
                    + (when == null ? ", to the newest state" : ", oplog replay up to " + when));
            // the AES-GCM warm-up and the key derivation run while the probe ends and the download starts
            org.ipfsbackup.restore.BackupFetcher.prepare(plan.all(), cipher);
            MongorestoreEngine mongorestore = joined(engineChosen);
            engineNote.forEach(err::println);
            PointInTimeRestore.Result r = new PointInTimeRestore(joined(fetcher), cipher, ctx.workDir(),
                    java.util.Set.of(ctx.props.getOrDefault("manifest.database", "ipfs_backup")), err::println)
                    .withParallelCollections(ctx.parallelCollections())
                    .restore(plan, target, targetUri, new RestoreOptions(drop, nsInclude, ""), mongorestore);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("full", plan.full().cid());
            out.put("incrementals", plan.incrementals().stream().map(ManifestEntry::cid).toList());
            out.put("at", when == null ? "latest" : when.toString());
            out.put("engine", r.engine());
            out.put("collections", r.collections());
            out.put("documents", r.documents());
            out.put("indexes", r.indexes());
            out.put("oplogApplied", r.oplogApplied());
            out.put("lastApplied", r.lastApplied() == null ? null : r.lastApplied().toString());
            if (json.on) {
                json.print(out(), out);
            } else {
                out().printf("restored (%s) %d collections, %d documents; replayed %d oplog entries (last %s)%n",
                        r.engine(), r.collections(), r.documents(), r.oplogApplied(), out.get("lastApplied"));
            }
        }
        return 0;
    }

    /** What {@code task} returned, or what it threw (unwrapped). */
    private static <T> T joined(java.util.concurrent.CompletableFuture<T> task) {
        try {
            return task.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Null for the driver engine; why it was chosen goes to {@code note}. */
    private MongorestoreEngine chooseEngine(RecoveryContext ctx, com.mongodb.client.MongoClient target, java.util.function.Consumer<String> note) {
        if (engine.equals("driver")) {
            return null;
        }
        String path = ctx.props.getOrDefault("restore.mongorestore-path", "mongorestore");
        var exe = org.ipfsbackup.dump.DumpEngines.findExecutable(path);
        var missing = MongorestoreEngine.applyOpsMissing(target);
        if (engine.equals("mongorestore")) {
            if (exe.isEmpty()) {
                throw new IllegalArgumentException("--engine mongorestore: '" + path + "' not found (restore.mongorestore-path / MONGORESTORE_PATH)");
            }
        } else if (exe.isEmpty() || missing.isPresent()) {
            note.accept("restore engine: driver (" + (exe.isEmpty() ? "no mongorestore found" : "the target has no applyOps: " + missing.get()) + ")");
            return null;
        }
        note.accept("restore engine: mongorestore (" + exe.get() + ")" + missing.map(m -> "; the target has no applyOps (" + m
                + "): mongorestore restores the collections with --noIndexRestore, the driver creates the indexes from"
                + " metadata.json and replays the oplog").orElse(""));
        return new MongorestoreEngine(exe.get().toString(), ctx.workDir(),
                org.ipfsbackup.config.Durations.parse("restore.timeout", ctx.props.getOrDefault("restore.timeout", "12h")),
                missing.isPresent() ? MongorestoreEngine.Mode.DRIVER_INDEXES_AND_OPLOG : MongorestoreEngine.Mode.MONGORESTORE)
                .withParallelCollections(ctx.parallelCollections());
    }

    static Instant parseTime(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(s).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("--at '" + s + "' is not a time like 2026-11-27T10:15:30Z or 2026-11-27T11:15:30+01:00");
            }
        }
    }
}
