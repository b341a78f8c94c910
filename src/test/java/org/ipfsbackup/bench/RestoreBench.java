package org.ipfsbackup.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;

/**
 * The restore row of {@code bin/bench e2e}: on the real local stack, MiB (default 20) of user-like documents are
 * backed up (full, gzip) through the routes; then, side by side, RUNS times each (default 3), into the stack's
 * restore FerretDB: {@code bin/ipfs-backup restore latest --drop} as an operator runs it (a new JVM: manifest,
 * download from Kubo, sha256 + CID, decrypt, extract, insert with the driver engine, indexes), and a bare
 * {@code mongorestore -j 4 --drop --noIndexRestore} of a mongodump of the same database from local disk (FerretDB
 * refuses mongorestore's index specs; the ipfs-backup row creates the indexes, the bare tool does not). Prints one
 * {@code RESTORE} line per run: wall seconds of both, their ratio, and the peak RSS of the ipfs-backup JVM; and the
 * same {@code restore latest} with the backup in the local cache (BACKUP_CACHE_DIR: no download), and with one
 * collection at a time ({@code restore.parallel-collections=1}; the default is 4).
 */
public final class RestoreBench {

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 20;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path root = Files.createTempDirectory("ipfs-backup-restorebench");
        int status = 0;
        try (LocalStack stack = LocalStack.start(root.resolve("stack"))) {
            Map<String, String> env = stack.env();
            long loaded = E2eBench.load(env.get("MONGODB_URI"), mib << 20);
            Map<String, String> o = TestSettings.stack(env, root.resolve("work"));
            o.put("backup.compression", "gzip");
            o.put("retention.after-backup", "false");
            // the backup is kept in a local cache too: `restore latest` is timed with it and without it
            o.put("backup.cache.dir", root.resolve("cache").toString());
            try (BackupApplication app = BackupApplication.start(new BackupApplication.Options(Project.config(), Project.routes(),
                    o, TestSettings.stackSecrets(env), false))) {
                BackupApplication.Outcome out = app.runBackup("full");
                if (!out.succeeded()) {
                    throw new IllegalStateException("backup failed: " + out.failure());
                }
                System.out.printf(Locale.ROOT, "loaded %.1f MB of documents into benchdb; backup %s, %d bytes%n", loaded / 1e6,
                        out.entry().fileName(), out.entry().size());
            }
            Path cachedConfig = properties(root.resolve("bench-cache.properties"), o);
            o.remove("backup.cache.dir");
            Path config = properties(root.resolve("bench.properties"), o);
            o.put("restore.parallel-collections", "1");
            Path serialConfig = properties(root.resolve("bench-serial.properties"), o);
            Path bin = Path.of(env.get("DEVSTACK_BIN"));
            Path dump = root.resolve("dump");
            run(List.of(bin.resolve("mongodump").toString(), "--uri=" + env.get("MONGODB_URI"), "--db=benchdb", "--out=" + dump, "--quiet"),
                    Map.of(), null);
            String target = env.get("RESTORE_MONGODB_URI");
            Path time = root.resolve("time.out");
            for (int i = 1; i <= runs; i++) {
                double cached = restore(cachedConfig, target, time, root.resolve("restore-cached.log"), env);
                if (!Files.readString(root.resolve("restore-cached.log")).contains("from file:")) {
                    throw new IllegalStateException("the cached restore did not read the local cache: " + root.resolve("restore-cached.log"));
                }
                double serial = restore(serialConfig, target, time, root.resolve("restore-serial.log"), env);
                double ours = restore(config, target, time, root.resolve("restore.log"), env);
                long rss = Long.parseLong(Files.readAllLines(time).get(Files.readAllLines(time).size() - 1).trim());
                long t1 = System.nanoTime();
                run(List.of(bin.resolve("mongorestore").toString(), "--uri=" + target, "-j", "4", "--drop", "--noIndexRestore", "--quiet",
                        dump.toString()), Map.of(), root.resolve("mongorestore.log"));
                double bare = (System.nanoTime() - t1) / 1e9;
                System.out.printf(Locale.ROOT, "RESTORE run=%d ipfsBackupSec=%.2f serialSec=%.2f cachedSec=%.2f mongorestoreSec=%.2f ratio=%.2f rssKiB=%d load=%s%n",
                        i, ours, serial, cached, bare, ours / bare, rss,
                        String.join(",", java.util.Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split(" "), 3)));
            }
        } catch (Exception e) {
            System.out.println("restore bench failed: " + e);
            status = 1;
        } finally {
            WorkDirectories.deleteTree(root);
        }
        System.exit(status);
    }

    /** `bin/ipfs-backup restore latest --drop` with this configuration: wall seconds (peak RSS in {@code time}). */
    private static double restore(Path config, String target, Path time, Path log, Map<String, String> env)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        run(List.of("/usr/bin/time", "-f", "%M", "-o", time.toString(), Project.dir().resolve("bin/ipfs-backup").toString(),
                        "restore", "latest", "--config", config.toString(), "--target-uri", target, "--drop",
                        "--ns-include", "benchdb.*", "--engine", "driver"),
                TestSettings.stackSecrets(env), log);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static Path properties(Path file, Map<String, String> settings) throws IOException {
        java.util.Properties p = new java.util.Properties();
        p.putAll(settings);
        try (var w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        return file;
    }

    private static void run(List<String> cmd, Map<String, String> env, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true);
        pb.environment().putAll(env);
        if (log != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        int code = pb.start().waitFor();
        if (code != 0) {
            throw new IllegalStateException(cmd.get(0) + " " + cmd.get(1) + " exited " + code + (log == null ? "" : ": " + Files.readString(log)));
        }
    }
}
