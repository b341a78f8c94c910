package org.ipfsbackup.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Each backup job works in a private directory {@code <work-dir>/job-<name>} (mode 0700): the dump, the plain
 * archive and the encrypted file live there and nowhere else. The directory goes after success and after failure;
 * directories left by a crash are removed at the next start ({@link #removeLeftovers()}).
 */
public final class WorkDirectories {
    public static final String PREFIX = "job-";
    private final Path root;

    public WorkDirectories(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path create(String jobName) {
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

    /** Removes every {@code job-*} directory left by a crashed run. @return what was removed */
    public List<Path> removeLeftovers() {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return removed;
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
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
