package org.ipfsbackup.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.api.management.ManagedCamelContext;
import org.apache.camel.api.management.mbean.ManagedRouteMBean;
import org.bson.RawBsonDocument;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;

/**
 * The end-to-end part of {@code bin/bench}: starts the real local stack (FerretDB, 2 Kubo, 2 cluster peers) in a
 * temporary directory, loads MiB (default 10) of user-like documents into the source, and for each codec runs full
 * backups through the real routes in one started application, as the service does ({@code run}). Prints, per backup,
 * the time from the trigger to the recorded and published manifest with the dump excluded (the routes' own timings:
 * trigger to dump, plus archive through manifest-publish; the cleanup and retention after it are not counted), and the
 * dump and the whole for reference. Stops the stack at the end.
 */
public final class E2eBench {

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 10;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path root = Files.createTempDirectory("ipfs-backup-e2ebench");
        int status = 0;
        try (LocalStack stack = LocalStack.start(root.resolve("stack"))) {
            Map<String, String> env = stack.env();
            long loaded = load(env.get("MONGODB_URI"), mib << 20);
            System.out.printf(Locale.ROOT, "loaded %.1f MB of documents into benchdb (plus the stack's sample data)%n", loaded / 1e6);
            for (String codec : List.of("gzip", "zstd")) {
                Map<String, String> o = TestSettings.stack(env, root.resolve("work-" + codec));
                o.put("backup.compression", codec);
                o.put("retention.after-backup", "false");
                try (BackupApplication app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(),
                        o, TestSettings.stackSecrets(env), false))) {
                    for (int i = 1; i <= rounds; i++) {
                        long t0 = System.nanoTime();
                        BackupApplication.Outcome out = app.runBackup("full");
                        double wall = (System.nanoTime() - t0) / 1e9;
                        if (!out.succeeded()) {
                            System.out.println("backup failed: " + out.failure());
                            status = 1;
                            continue;
                        }
                        Map<String, Long> ms = routeTimes(app);
                        // the step routes do not nest: the entry route's time is the whole pipeline
                        double pre = ms.get("backup-start") / 1e3;
                        double dumpOwn = ms.get("backup-dump") / 1e3;
                        double post = (ms.get("backup-full") - ms.get("backup-start") - ms.get("backup-dump") - ms.get("backup-cleanup")
                                - ms.get("alert-resolve")) / 1e3;
                        ManifestEntry e = out.entry();
                        System.out.printf(Locale.ROOT, "E2E codec=%s backup=%d contentBytes=%d uploadedBytes=%d secondsExclDump=%.2f dumpSec=%.2f "
                                        + "archiveToManifestSec=%.2f triggerToDumpSec=%.2f wallSec=%.2f file=%s%n",
                                codec, i, e.contentBytes(), e.size(), pre + post, dumpOwn, post, pre, wall, e.fileName());
                    }
                }
            }
        } finally {
            WorkDirectories.deleteTree(root);
        }
        System.exit(status);
    }

    /** The last processing time (ms, inclusive of the routes each one calls) of these routes. */
    static Map<String, Long> routeTimes(BackupApplication app) {
        ManagedCamelContext mcc = app.context().getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
        Map<String, Long> m = new LinkedHashMap<>();
        for (String id : List.of("backup-full", "backup-start", "backup-dump", "backup-cleanup", "alert-resolve")) {
            ManagedRouteMBean r = mcc.getManagedRoute(id);
            if (r == null) {
                throw new IllegalStateException("route " + id + " has no JMX statistics (camel.main.jmx-enabled?)");
            }
            m.put(id, r.getLastProcessingTime());
        }
        return m;
    }

    static long load(String uri, long bytes) {
        long[] total = {0};
        try (MongoClient c = MongoClients.create(uri)) {
            for (int coll = 0; coll < UserLikeDump.COLLECTIONS.length; coll++) {
                MongoCollection<RawBsonDocument> col = c.getDatabase("benchdb")
                        .getCollection(UserLikeDump.COLLECTIONS[coll], RawBsonDocument.class);
                List<RawBsonDocument> batch = new ArrayList<>();
                UserLikeDump.documents(coll, bytes / UserLikeDump.COLLECTIONS.length, 17 + coll, doc -> {
                    batch.add(new RawBsonDocument(doc));
                    total[0] += doc.length;
                    if (batch.size() == 1000) {
                        col.insertMany(batch);
                        batch.clear();
                    }
                });
                if (!batch.isEmpty()) {
                    col.insertMany(batch);
                }
            }
        }
        return total[0];
    }

}
