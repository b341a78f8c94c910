package org.ipfsbackup.mongo;

import org.ipfsbackup.config.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version a mongo-tools program ({@code mongodump}, {@code mongorestore}) reports with {@code --version}, checked
 * at start-up: the engines rely on the dump layout, flags and messages of mongo-tools {@value #MINIMUM} and later
 * 100.x releases (mongodb-database-tools); anything else stops start-up with a {@link ConfigException} (exit code 3)
 * naming the version found and the one needed.
 *
 * @param major 100 for every mongo-tools release since 2020
 */
public record MongoToolVersion(int major, int minor, int patch) implements Comparable<MongoToolVersion> {

    /** The oldest supported release: the one the image installs and the local stack builds. */
    public static final String MINIMUM = "100.10.0";
    static final Duration VERSION_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern NUMBER = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

    /** {@code 100.10.0} from {@code "100.10.0"}; empty for anything else. */
    public static Optional<MongoToolVersion> parse(String text) {
        Matcher m = NUMBER.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new MongoToolVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The version text after {@code "<tool> version: "} in {@code --version} output, or {@code null}. */
    static String reported(String tool, String output) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(tool) + " version:\\s*(\\S+)").matcher(output == null ? "" : output);
        return m.find() ? m.group(1) : null;
    }

    public boolean supported() {
        return major == 100 && compareTo(parse(MINIMUM).orElseThrow()) >= 0;
    }

    @Override
    public int compareTo(MongoToolVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }

    /**
     * Runs {@code <executable> --version} and returns the version it reports.
     *
     * @param setting the setting that names the executable, for the message (e.g. {@code dump.mongodump-path})
     * @throws ConfigException when it cannot be run, reports no version, or an unsupported one
     */
    public static MongoToolVersion require(String tool, Path executable, String setting) {
        String output = versionOutput(tool, executable, setting);
        String found = reported(tool, output);
        String needed = "ipfs-backup needs " + tool + " " + MINIMUM + " or a later 100.x release (mongo-tools / "
                + "mongodb-database-tools " + MINIMUM + "+; the image installs " + MINIMUM + ", src/devstack/build-stack builds it)";
        if (found == null) {
            String first = output.strip().lines().findFirst().orElse("");
            throw new ConfigException(tool + " at " + executable + " (" + setting + ") reports no version ('" + tool
                    + " --version' printed: '" + first + "'); " + needed);
        }
        MongoToolVersion v = parse(found).orElse(null);
        if (v == null || !v.supported()) {
            throw new ConfigException(tool + " at " + executable + " (" + setting + ") is version " + found
                    + "; " + needed);
        }
        return v;
    }

    private static String versionOutput(String tool, Path executable, String setting) {
        Process p;
        try {
            p = new ProcessBuilder(List.of(executable.toString(), "--version")).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new ConfigException("cannot run " + executable + " --version (" + setting + "): " + e.getMessage(), e);
        }
        try {
            try {
                p.getOutputStream().close();
            } catch (IOException ignored) {
                // it reads no input
            }
            // the output is a few lines: read it whole, but never wait past the timeout for a program that hangs
            var reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readNBytes(64 * 1024), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
            if (!p.waitFor(VERSION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ConfigException(executable + " --version (" + setting + ") did not answer within "
                        + VERSION_TIMEOUT.toSeconds() + " s; is it " + tool + "?");
            }
            String out = reader.get(5, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new ConfigException(executable + " --version (" + setting + ") failed with exit code "
                        + p.exitValue() + ": " + out.strip().lines().reduce((a, b) -> b).orElse("") + "; is it " + tool + "?");
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new ConfigException("interrupted while asking " + executable + " for its version", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new ConfigException("cannot read the output of " + executable + " --version (" + setting + "): " + e, e);
        }
    }
}
