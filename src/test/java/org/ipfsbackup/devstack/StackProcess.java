package org.ipfsbackup.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One long-running program of the stack: how to start it (command, environment, directory, log file) and, while it
 * runs, its PID and start instant. The start instant guards every signal sent by PID: a PID whose process started at
 * another instant belongs to somebody else and is left alone.
 */
final class StackProcess {
    /** Environment variables that could send a child's HTTP traffic through a proxy off this machine. */
    private static final List<String> PROXY_VARIABLES = List.of("http_proxy", "https_proxy", "all_proxy", "ftp_proxy",
            "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "no_proxy", "NO_PROXY");

    final String name;
    final String kind;
    final List<String> command;
    final Map<String, String> env;
    final Path workDir;
    final Path log;
    long pid;
    Instant startInstant;

    StackProcess(String name, String kind, List<String> command, Map<String, String> env, Path workDir, Path log) {
        this.name = name;
        this.kind = kind;
        this.command = List.copyOf(command);
        this.env = new LinkedHashMap<>(env);
        this.workDir = workDir;
        this.log = log;
    }

    /**
     * Starts the program with its output appended to its log file and stdin from /dev/null. With {@code detach} it
     * runs in a session of its own (setsid), so that it outlives this JVM and the terminal or job that started it.
     */
    Process start(boolean detach) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running as PID " + pid);
        }
        List<String> cmd = new ArrayList<>();
        if (detach) {
            Path setsid = Path.of("/usr/bin/setsid");
            if (Files.isExecutable(setsid)) {
                // a child of the JVM is no process group leader, so setsid execs in place: the PID stays the same
                cmd.add(setsid.toString());
            }
        }
        cmd.addAll(command);
        Files.createDirectories(log.getParent());
        Files.writeString(log, "---- devstack: starting " + name + " at " + Instant.now() + ": " + String.join(" ", command)
                + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> childEnv = pb.environment();
        PROXY_VARIABLES.forEach(childEnv::remove);
        childEnv.put("NO_PROXY", "127.0.0.1,localhost,::1");
        childEnv.put("no_proxy", "127.0.0.1,localhost,::1");
        childEnv.putAll(env);
        Process process = pb.start();
        pid = process.pid();
        startInstant = process.info().startInstant().orElse(null);
        return process;
    }

    Optional<ProcessHandle> handle() {
        if (pid <= 0) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> {
            Optional<Instant> started = h.info().startInstant();
            // same process if it started at the recorded instant; /proc gives jiffies, so allow a rounding step
            return startInstant == null || started.isEmpty()
                    || Duration.between(startInstant, started.get()).abs().toMillis() < 1000;
        });
    }

    boolean isAlive() {
        return handle().isPresent();
    }

    /** SIGTERM, then SIGKILL if it is still there after {@code grace}. Returns true if it had to be killed. */
    boolean stop(Duration grace) {
        Optional<ProcessHandle> h = handle();
        boolean killed = false;
        if (h.isPresent()) {
            killed = terminate(List.of(h.get()), grace);
        }
        pid = 0;
        startInstant = null;
        return killed;
    }

    /** SIGTERM to all, wait up to {@code grace} for all of them, then SIGKILL the rest. True if any was killed. */
    static boolean terminate(List<ProcessHandle> handles, Duration grace) {
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        boolean killed = false;
        for (ProcessHandle h : handles) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                h.destroyForcibly();
                killed = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                h.destroyForcibly();
                killed = true;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
        for (ProcessHandle h : handles) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("PID " + h.pid() + " survived SIGKILL", e);
            }
        }
        return killed;
    }

    /** The last {@code maxBytes} of the log, for error messages. */
    String logTail(int maxBytes) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - maxBytes);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    ObjectNode toJson() {
        ObjectNode n = LocalStack.JSON.createObjectNode();
        n.put("kind", kind);
        n.put("pid", pid);
        n.put("startInstant", startInstant == null ? null : startInstant.toString());
        command.forEach(n.putArray("command")::add);
        ObjectNode e = n.putObject("env");
        env.forEach(e::put);
        n.put("workDir", workDir.toString());
        n.put("log", log.toString());
        return n;
    }

    static StackProcess fromJson(String name, JsonNode n) {
        List<String> command = new ArrayList<>();
        n.path("command").forEach(c -> command.add(c.asText()));
        Map<String, String> env = new LinkedHashMap<>();
        n.path("env").fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().asText()));
        StackProcess p = new StackProcess(name, n.path("kind").asText(), command, env, Path.of(n.path("workDir").asText()),
                Path.of(n.path("log").asText()));
        p.pid = n.path("pid").asLong(0);
        String started = n.path("startInstant").asText(null);
        p.startInstant = started == null || started.isEmpty() || "null".equals(started) ? null : Instant.parse(started);
        return p;
    }
}
