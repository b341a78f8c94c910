package org.ipfsbackup.devstack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Command line of the local stack (run by {@code bin/devstack}):
 * <pre>
 *   start  [--dir DIR]   start a fresh stack in DIR (default PROJECT/.stack/run) and print `export NAME=value`
 *                        lines for its environment; the processes keep running after this JVM exits
 *   stop   [--dir DIR]   stop the stack recorded in DIR/stack.json
 *   status [--dir DIR]   show each process (PID, running, ready); exit status 0 only if all are ready
 *   env    [--dir DIR]   print the `export` lines of the stack in DIR again
 * </pre>
 * Everything but the export lines goes to stderr, so {@code eval "$(bin/devstack start)"} works.
 */
public final class DevStackMain {
    private DevStackMain() {
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            // quiet the MongoDB driver and friends: this command's own output is what matters
            System.setProperty("logback.configurationFile", "devstack/logback-devstack.xml");
        }
        int status;
        try {
            status = run(args, System.out, System.err);
        } catch (Exception e) {
            System.err.println("devstack: " + e.getMessage());
            e.printStackTrace(System.err);
            status = 1;
        }
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0) {
            return usage(err);
        }
        String command = args[0];
        String process = null;
        int first = 1;
        if (command.equals("stop-process") || command.equals("start-process")) {
            if (args.length < 2 || !LocalStack.PROCESS_NAMES.contains(args[1])) {
                err.println("devstack: " + command + " needs one of " + LocalStack.PROCESS_NAMES);
                return 2;
            }
            process = args[1];
            first = 2;
        }
        Path dir = LocalStack.projectDir().resolve(".stack/run");
        for (int i = first; i < args.length; i++) {
            if ("--dir".equals(args[i]) && i + 1 < args.length) {
                dir = Path.of(args[++i]);
            } else {
                return usage(err);
            }
        }
        dir = dir.toAbsolutePath().normalize();
        return switch (command) {
            case "start" -> start(dir, out, err);
            case "stop" -> stop(dir, err);
            case "status" -> status(dir, out);
            case "env" -> env(dir, out, err);
            case "stop-process" -> stopProcess(dir, process, err);
            case "start-process" -> startProcess(dir, process, err);
            default -> usage(err);
        };
    }

    private static int usage(PrintStream err) {
        err.println("usage: devstack start|stop|status|env [--dir DIR] | stop-process|start-process NAME [--dir DIR]");
        return 2;
    }

    private static int start(Path dir, PrintStream out, PrintStream err) throws Exception {
        if (Files.exists(dir.resolve("stack.json"))) {
            LocalStack old = LocalStack.attach(dir);
            if (!old.pids().isEmpty()) {
                err.println("devstack: a stack is already running in " + dir + " (PIDs " + old.pidsByName()
                        + "); stop it first (bin/devstack stop), or print its environment with bin/devstack env");
                return 1;
            }
            deleteTree(dir);
        } else if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    err.println("devstack: " + dir + " is not empty and holds no stack.json; not touching it");
                    return 1;
                }
            }
        }
        err.println("devstack: starting the local stack in " + dir);
        LocalStack stack = LocalStack.start(dir, true);
        err.println("devstack: ready in " + stack.info().path("startupMillis").asLong() + " ms; processes "
                + stack.pidsByName() + "; logs in " + dir.resolve("logs"));
        printEnv(stack.env(), out);
        return 0;
    }

    /** Stops one process of a running stack (to show a fault); its ports and state stay for start-process. */
    private static int stopProcess(Path dir, String name, PrintStream err) {
        if (!Files.exists(dir.resolve("stack.json"))) {
            err.println("devstack: no stack in " + dir);
            return 1;
        }
        LocalStack stack = LocalStack.attach(dir);
        stack.stopProcess(name);
        err.println("devstack: stopped " + name);
        return 0;
    }

    /** Starts a stopped process again and waits until it is ready (for IPFS: until the cluster sees both peers). */
    private static int startProcess(Path dir, String name, PrintStream err) {
        if (!Files.exists(dir.resolve("stack.json"))) {
            err.println("devstack: no stack in " + dir);
            return 1;
        }
        LocalStack stack = LocalStack.attach(dir);
        stack.startProcess(name);
        if (name.startsWith("kubo") || name.startsWith("cluster")) {
            stack.awaitClusterPeers(java.time.Duration.ofSeconds(90));
        }
        err.println("devstack: started " + name + " (ready)");
        return 0;
    }

    private static int stop(Path dir, PrintStream err) {
        if (!Files.exists(dir.resolve("stack.json"))) {
            err.println("devstack: no stack in " + dir);
            return 0;
        }
        LocalStack stack = LocalStack.attach(dir);
        Map<String, Long> pids = stack.pidsByName();
        stack.close();
        err.println("devstack: stopped " + (pids.isEmpty() ? "nothing (no process was running)" : pids.toString()));
        return 0;
    }

    private static int status(Path dir, PrintStream out) {
        if (!Files.exists(dir.resolve("stack.json"))) {
            out.println("no stack in " + dir);
            return 3;
        }
        LocalStack stack = LocalStack.attach(dir);
        Map<String, Long> pids = stack.pidsByName();
        boolean allReady = true;
        out.printf("%-18s %-9s %-8s %-6s %s%n", "PROCESS", "PID", "RUNNING", "READY", "LOG");
        for (String name : stack.processNames()) {
            boolean ready = stack.isReady(name);
            allReady &= ready;
            out.printf("%-18s %-9s %-8s %-6s %s%n", name, pids.containsKey(name) ? pids.get(name) : "-",
                    pids.containsKey(name) ? "yes" : "no", ready ? "yes" : "no", stack.logFile(name));
        }
        return allReady ? 0 : 3;
    }

    private static int env(Path dir, PrintStream out, PrintStream err) {
        if (!Files.exists(dir.resolve("stack.json"))) {
            err.println("devstack: no stack in " + dir);
            return 1;
        }
        printEnv(LocalStack.attach(dir).env(), out);
        return 0;
    }

    static void printEnv(Map<String, String> env, PrintStream out) {
        env.forEach((k, v) -> out.println("export " + k + "='" + v.replace("'", "'\\''") + "'"));
        out.flush();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : paths) {
                Files.delete(p);
            }
        }
    }
}
