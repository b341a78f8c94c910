package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.cli.Main;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;

import com.mongodb.client.MongoClient;

/**
 * The application on the local stack for the mongo-tools stack tests: a properties file with the stack's settings
 * plus overrides, backups through {@link BackupApplication}, CLI commands through {@link Main}, and external
 * programs (mongorestore, tar, python3, bash) run as child processes.
 */
final class StackApp {

    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    final Map<String, String> env;
    final Path config;

    StackApp(LocalStack stack, Path dir, Map<String, String> overrides) throws IOException {
        env = stack.env();
        config = dir.resolve("stack.properties");
        Map<String, String> settings = new HashMap<>(TestSettings.stack(env, dir.resolve("work")));
        settings.putAll(overrides);
        Files.write(config, settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    /** The stack's build of a mongo-tools program: it must be there (src/devstack/build-stack builds it). */
    Path tool(String name) {
        String path = env.get(name.toUpperCase() + "_PATH");
        assertThat(path).as(name + " in the stack's bin directory " + env.get("DEVSTACK_BIN") + " (src/devstack/build-stack builds it)")
                .isNotNull();
        return Path.of(path);
    }

    BackupApplication.Outcome backup(String type) throws Exception {
        try (BackupApplication app = BackupApplication.start(new BackupApplication.Options(config, Project.routes(), Map.of(),
                TestSettings.stackSecrets(env), false))) {
            BackupApplication.Outcome o = app.runBackup(type);
            assertThat(o.failure()).as(type + " backup").isNull();
            assertThat(o.fallbackReason()).as("no fallback to full").isNull();
            return o;
        }
    }

    Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--config");
        a.add(config.toString());
        int code = Main.execute(TestSettings.stackSecrets(env), new PrintWriter(out, true),
                new PrintWriter(err, true), a.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** Runs a program in {@code dir} with this environment added to the JVM's; fails the test if it hangs. */
    static Run run(Path dir, Map<String, String> extraEnv, Duration timeout, List<String> command) throws Exception {
        Path out = Files.createTempFile(dir, "out-", ".txt");
        Path err = Files.createTempFile(dir, "err-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                        Path.of("/dev/null").toFile()));
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(command + " did not finish within " + timeout + "; stderr: " + Files.readString(err));
        }
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Drops every database of the restore target but admin, config and local: an empty server. */
    static void emptyTarget(MongoClient target) {
        for (String db : target.listDatabaseNames().into(new ArrayList<>())) {
            if (!Set.of("admin", "config", "local").contains(db)) {
                target.getDatabase(db).drop();
            }
        }
        assertThat(target.listDatabaseNames().into(new ArrayList<>())).allMatch(db -> Set.of("admin", "config", "local").contains(db));
    }
}
