package org.ipfsbackup.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ipfsbackup.restore.AfterMongorestore;
import org.ipfsbackup.restore.DriverRestore;
import org.ipfsbackup.restore.RestoreOptions;
import org.ipfsbackup.restore.RestoreResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore-dump", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup restore-dump dump/ --target-uri mongodb://127.0.0.1:27018 --drop"},
        description = "Restore an extracted dump directory into a MongoDB (driver engine: raw BSON inserts, indexes from metadata.json).")
class RestoreDumpCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(names = "--target-uri", required = true, paramLabel = "URI")
    String targetUri;

    @Option(names = "--drop", description = "replace collections that already hold documents")
    boolean drop;

    @Option(names = "--ns-include", paramLabel = "PATTERN", description = "db.collection pattern(s) to restore (* wildcard)")
    List<String> nsInclude = new ArrayList<>();

    @Option(names = "--after-mongorestore", description = "the collections are restored already, by mongorestore --noIndexRestore"
            + " (FerretDB refuses mongorestore's indexes and has no applyOps for --oplogReplay): create the indexes from metadata.json"
            + " and replay DIR/oplog.bson (if any) through the driver; no document of the .bson files is written")
    boolean afterMongorestore;

    @Option(names = "--parallel-collections", paramLabel = "N", description = "collections inserted at the same time (default 4, as mongorestore -j 4)")
    int parallelCollections = org.ipfsbackup.restore.DriverRestore.DEFAULT_PARALLEL_COLLECTIONS;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        try (var client = org.ipfsbackup.mongo.MongoConnections.create(targetUri)) {
            if (afterMongorestore) {
                return afterMongorestore(client);
            }
            RestoreResult r = new DriverRestore(client, parallelCollections).restoreDump(dir, new RestoreOptions(drop, nsInclude, ""));
            if (json.on) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("databases", r.databases());
                out.put("collections", r.collections());
                out.put("documents", r.documents());
                out.put("indexes", r.indexes());
                json.print(out(), out);
            } else {
                out().printf("restored %d databases, %d collections, %d documents, %d indexes%n",
                        r.databases(), r.collections(), r.documents(), r.indexes());
            }
            return 0;
        }
    }

    private int afterMongorestore(com.mongodb.client.MongoClient client) throws Exception {
        if (drop) {
            throw usage("--drop does not go with --after-mongorestore:"
                    + " give it to mongorestore");
        }
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory");
        }
        Path oplog = dir.resolve("oplog.bson");
        AfterMongorestore.Result r = AfterMongorestore.finish(client, dir, java.nio.file.Files.isRegularFile(oplog) ? oplog : null,
                null, new RestoreOptions(false, nsInclude, ""));
        if (json.on) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("indexes", r.indexes());
            out.put("oplogApplied", r.applied());
            out.put("oplogSkipped", r.skipped());
            json.print(out(), out);
        } else {
            out().printf("created %d indexes from metadata.json; oplog.bson: %d operations applied, %d skipped%n",
                    r.indexes(), r.applied(), r.skipped());
        }
        return 0;
    }
}
