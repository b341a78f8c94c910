package org.ipfsbackup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ipfs-backup} command line: the service ({@code run}), one-shot backups, and the recovery tools. */
@Command(name = "ipfs-backup", mixinStandardHelpOptions = true, version = "ipfs-backup 0.1.0",
        description = "Encrypted MongoDB backups to a private IPFS Cluster (Apache Camel).",
        subcommands = {RunCommand.class, BackupCommand.class, ListCommand.class, DownloadCommand.class, DecryptCommand.class,
                ExtractCommand.class, VerifyCommand.class, RestoreCommand.class, RetentionCommand.class, RekeyCommand.class, RestoreDumpCommand.class, CompareCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** The environment secrets and {{env:...}} defaults are read from; tests pass their own. */
    static volatile java.util.Map<String, String> environment = System.getenv();

    public static int execute(String... args) {
        return execute(System.getenv(), new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    public static int execute(java.util.Map<String, String> env, java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        environment = env;
        try {
            org.ipfsbackup.observe.LogSetup.configure(env);
        } catch (org.ipfsbackup.config.ConfigException e) {
            err.println("error: " + e.getMessage());
            return 3;
        }
        for (String warning : org.ipfsbackup.config.EnvNames.packaged().unknown(env)) {
            err.println("warning: " + warning); // a seed/typo name that would otherwise be silently ignored
        }
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + org.ipfsbackup.config.Masking.maskUri(messageOf(ex)));
            return ex instanceof org.ipfsbackup.config.ConfigException ? 3 : 1;
        });
        return cl.execute(args);
    }

    static String messageOf(Throwable ex) {
        StringBuilder sb = new StringBuilder();
        Throwable c = ex;
        while (c != null && sb.length() < 2000) {
            String m = c.getMessage();
            if (m != null && sb.indexOf(m) < 0) {
                sb.append(sb.length() == 0 ? "" : ": ").append(m);
            }
            c = c.getCause() == c ? null : c.getCause();
        }
        return sb.length() == 0 ? ex.getClass().getSimpleName() : sb.toString();
    }
}
