package org.ipfsbackup.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ipfsbackup.restore.DriverRestore;
import org.ipfsbackup.restore.RestoreOptions;
import org.ipfsbackup.restore.RestoreResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "restore-dump", description = "Restore an extracted dump directory into a MongoDB (driver engine: raw BSON inserts, indexes from metadata.json).")
class RestoreDumpCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Option(names = "--target-uri", required = true, paramLabel = "URI")
    String targetUri;

    @Option(names = "--drop", description = "replace collections that already hold documents")
    boolean drop;

    @Option(names = "--ns-include", paramLabel = "PATTERN", description = "db.collection pattern(s) to restore (* wildcard)")
    List<String> nsInclude = new ArrayList<>();

    @Option(names = "--json")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (var client = org.ipfsbackup.config.MongoConnections.create(targetUri)) {
            RestoreResult r = new DriverRestore(client).restoreDump(dir, new RestoreOptions(drop, nsInclude, ""));
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("databases", r.databases());
                out.put("collections", r.collections());
                out.put("documents", r.documents());
                out.put("indexes", r.indexes());
                spec.commandLine().getOut().println(BackupCommand.JSON.writeValueAsString(out));
            } else {
                spec.commandLine().getOut().printf("restored %d databases, %d collections, %d documents, %d indexes%n",
                        r.databases(), r.collections(), r.documents(), r.indexes());
            }
            return 0;
        }
    }
}
