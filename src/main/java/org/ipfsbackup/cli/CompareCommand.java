package org.ipfsbackup.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ipfsbackup.restore.CompareResult;
import org.ipfsbackup.restore.DatabaseComparator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "compare", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup compare --source-uri mongodb://127.0.0.1:27017 --target-uri mongodb://127.0.0.1:27018 --db shop"},
        description = "Compare every document (raw BSON) and index of databases on two servers; exit 1 if they differ.")
class CompareCommand extends CliCommand {
    @Option(names = "--source-uri", required = true)
    String sourceUri;

    @Option(names = "--target-uri", required = true)
    String targetUri;

    @Option(names = "--db", required = true, split = ",", description = "database name(s)")
    List<String> databases;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        try (var s = org.ipfsbackup.mongo.MongoConnections.create(sourceUri); var t = org.ipfsbackup.mongo.MongoConnections.create(targetUri)) {
            CompareResult r = DatabaseComparator.compare(s, t, databases);
            if (json.on) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("identical", r.identical());
                out.put("collections", r.collections());
                out.put("documents", r.documents());
                out.put("differences", r.differences());
                json.print(out(), out);
            } else {
                out().printf("%s: %d collections, %d documents compared%n", r.identical() ? "identical" : "DIFFERENT",
                        r.collections(), r.documents());
                r.differences().forEach(d -> out().println("  " + d));
            }
            return r.identical() ? 0 : 1;
        }
    }
}
