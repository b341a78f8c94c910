package org.ipfsbackup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ipfs-backup} command line: the service ({@code run}), one-shot backups, and the recovery tools. */
@Command(name = "ipfs-backup", mixinStandardHelpOptions = true, version = "ipfs-backup 0.1.0",
        description = "Encrypted MongoDB backups to a private IPFS Cluster (Apache Camel).",
        footer = {"", "Run 'ipfs-backup help COMMAND' or 'ipfs-backup COMMAND --help' for a command's options and an example.",
                "Exit codes: 0 success, 1 the operation failed, 2 wrong command line, 3 bad configuration."})
public final class Main {
    /** The commands, in the order the usage lists them; {@link #commandLine} adds them. */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(picocli.CommandLine.HelpCommand.class, RunCommand.class,
            BackupCommand.class, ListCommand.class, DownloadCommand.class, DecryptCommand.class, ExtractCommand.class, VerifyCommand.class,
            StatusCommand.class, RestoreCommand.class, RetentionCommand.class, DeleteCommand.class, CancelCommand.class, RekeyCommand.class,
            RestoreDumpCommand.class, CompareCommand.class, DrillCommand.class);
    /** Commands that decrypt a backup: the AES-GCM warm-up starts as the JVM does (see {@link #execute}). */
    static final java.util.Set<String> DECRYPTING = java.util.Set.of("restore", "verify", "drill", "decrypt");
    /** Options that may come before the command and take the next argument as their value. */
    private static final java.util.Set<String> OPTIONS_WITH_VALUE = java.util.Set.of("--progress", "--log-format", "--config", "--routes");

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
            configureLogging(env, args);
            configureProgress(env, err, args);
        } catch (org.ipfsbackup.config.ConfigException e) {
            err.println("error: " + e.getMessage());
            return 3;
        }
        for (String warning : org.ipfsbackup.config.EnvNames.packaged().unknown(env)) {
            err.println("warning: " + warning); // a seed/typo name that would otherwise be silently ignored
        }
        String command = commandOf(args);
        if (command != null && DECRYPTING.contains(command)) {
            // before the command line, the configuration and the MongoDB driver fill the JIT compiler's queue: started
            // later, the warm-up waited behind them and the first byte of a restore waited for it (docs/performance.md)
            org.ipfsbackup.crypto.GcmWarmUp.startOnce();
        }
        CommandLine cl = commandLine(command);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + org.ipfsbackup.mongo.Masking.maskUri(messageOf(ex)));
            return ex instanceof org.ipfsbackup.config.ConfigException ? 3 : 1;
        });
        try {
            return cl.execute(args);
        } finally {
            org.ipfsbackup.observe.ProgressReporter.useLog(); // the default again (tests run several commands in one JVM)
        }
    }

    /**
     * The command line with every command, or only with {@code command} when it names one other than {@code help}:
     * picocli builds a command's model by reflection, and all of them took 0.15 s of a one-shot command's start.
     */
    public static CommandLine commandLine(String command) {
        java.util.List<Class<?>> named = "help".equals(command) ? java.util.List.of()
                : COMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(command)).toList();
        CommandLine cl = new CommandLine(new Main());
        (named.isEmpty() ? COMMANDS : named).forEach(cl::addSubcommand);
        return cl;
    }

    /** The command's name: the first argument that is neither an option nor an option's value; null when none. */
    static String commandOf(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (OPTIONS_WITH_VALUE.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    /**
     * Progress of dump, upload, download and restore: the service ({@code run}) logs it at INFO; one-shot commands
     * print it on stderr whatever the log level, rewriting one line on a terminal ({@code --progress terminal}, or
     * {@code auto} with a console), else one line per BACKUP_PROGRESS_INTERVAL (10 s); {@code --progress off}: none.
     */
    static void configureProgress(java.util.Map<String, String> env, java.io.PrintWriter err, String... args) {
        String mode = "auto";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--progress") && i + 1 < args.length) {
                mode = args[++i];
            } else if (a.startsWith("--progress=")) {
                mode = a.substring("--progress=".length());
            }
        }
        String command = commandOf(args);
        java.time.Duration interval = org.ipfsbackup.config.Durations.parse("BACKUP_PROGRESS_INTERVAL",
                env.getOrDefault("BACKUP_PROGRESS_INTERVAL", "10s"));
        if (command == null || command.equals("run")) {
            org.ipfsbackup.observe.ProgressReporter.useLog();
            return;
        }
        switch (mode) {
            case "auto" -> org.ipfsbackup.observe.ProgressReporter.useStream(err, System.console() != null, interval);
            case "terminal" -> org.ipfsbackup.observe.ProgressReporter.useStream(err, true, interval);
            case "lines" -> org.ipfsbackup.observe.ProgressReporter.useStream(err, false, interval);
            case "off" -> org.ipfsbackup.observe.ProgressReporter.useNone();
            default -> throw new org.ipfsbackup.config.ConfigException("--progress must be auto, terminal, lines or off, got '" + mode + "'");
        }
    }

    /**
     * The service ({@code run}) logs as configured (INFO); one-shot commands log at WARN to stderr unless {@code -v}
     * (INFO) or IPFS_BACKUP_LOG_LEVEL says otherwise; {@code --log-format json} is BACKUP_LOG_FORMAT=json.
     */
    static void configureLogging(java.util.Map<String, String> env, String... args) {
        java.util.Map<String, String> e = new java.util.HashMap<>(env);
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-v") || a.equals("--verbose")) {
                verbose = true;
            } else if (a.equals("--log-format") && i + 1 < args.length) {
                e.put("BACKUP_LOG_FORMAT", args[++i]);
            } else if (a.startsWith("--log-format=")) {
                e.put("BACKUP_LOG_FORMAT", a.substring("--log-format=".length()));
            }
        }
        String command = commandOf(args);
        if (command == null || command.equals("run")) {
            org.ipfsbackup.observe.LogSetup.configure(e);
        } else {
            org.ipfsbackup.observe.LogSetup.configureOneShot(e, verbose ? "INFO" : env.getOrDefault("IPFS_BACKUP_LOG_LEVEL", "WARN"));
        }
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
