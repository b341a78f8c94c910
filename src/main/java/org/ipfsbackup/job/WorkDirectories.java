package org.ipfsbackup.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Each backup job works in a private directory {@code <work-dir>/job-<name>} (mode 0700): the dump, the plain
 * archive and the encrypted file live there and nowhere else. The directory records its owner (the instance that
 * holds the job lock, {@code host:pid:random}) in {@value #OWNER_FILE}. It goes after success and after failure;
 * directories left by a crash are removed by the next job that takes the lock, and only when their owner no longer
 * runs a job ({@link #removeLeftovers(Predicate)}): several processes (the service and one-shot commands) share the
 * work directory, and a start must never remove the folder of a job another process is running.
 */
public final class WorkDirectories {
    public static final String PREFIX = "job-";
    /** The file in a job directory naming the instance that runs the job. */
    public static final String OWNER_FILE = ".owner";
    private final Path root;

    public WorkDirectories(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** A job directory without a recorded owner (removed by the next lock holder like any leftover). */
    public Path create(String jobName) {
        return create(jobName, null);
    }

    /**
     * Creates {@code <root>/job-<jobName>} (mode 0700) and records {@code owner} in it ({@value #OWNER_FILE}).
     *
     * @param owner the instance that runs the job ({@link BackupLock#owner()}), or null to record none
     */
    public Path create(String jobName, String owner) {
        try {
            Files.createDirectories(root);
            Path dir = root.resolve(PREFIX + jobName);
            if (Files.exists(dir)) {
                throw new IllegalStateException("work directory " + dir + " already exists: is another backup with the same name running?");
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectory(dir);
            }
            if (owner != null) {
                Path file = dir.resolve(OWNER_FILE);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException e) {
                    Files.createFile(file);
                }
                Files.writeString(file, owner + "\n", StandardCharsets.UTF_8);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the backup work directory under " + root + " (backup.work-dir): " + e.getMessage(), e);
        }
    }

    /** Deletes a job directory and everything in it; missing is fine. Only paths under the root are touched. */
    public void delete(Path dir) {
        if (dir == null) {
            return;
        }
        Path d = dir.toAbsolutePath().normalize();
        if (!d.startsWith(root) || d.equals(root)) {
            throw new IllegalArgumentException("refusing to delete " + d + ": not a job directory under " + root);
        }
        deleteTree(d);
    }

    /** The owner recorded in a job directory; empty when it records none (or the directory is gone). */
    public static Optional<String> owner(Path jobDir) {
        try {
            String s = Files.readString(jobDir.resolve(OWNER_FILE), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the owner of " + jobDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes every {@code job-*} directory left by a job that no longer runs: those whose recorded owner is not
     * {@code stillRunning}, and those that record no owner. Call it only while holding the job lock.
     *
     * @param stillRunning whether an owner ({@code host:pid:random}) still runs a job (holds a live lease)
     * @return what was removed
     */
    public List<Path> removeLeftovers(Predicate<String> stillRunning) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return removed;
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
                Optional<String> owner = owner(p);
                if (owner.isPresent() && stillRunning.test(owner.get())) {
                    continue;
                }
                deleteTree(p);
                removed.add(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return removed;
    }

    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw exc;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
