package org.ipfsbackup.dump;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** Picks the engine {@link DumpSettings#engine()} asks for. */
public final class DumpEngines {

    private DumpEngines() {
    }

    /**
     * {@code mongodump}: the mongodump engine (fails if {@link DumpSettings#mongodumpPath()} is not an executable);
     * {@code driver}: the driver engine; {@code auto}: mongodump if the executable is found, else the driver.
     * Temporary files of mongodump go to {@code java.io.tmpdir}.
     */
    public static DumpEngine create(DumpSettings settings) {
        return create(settings, Path.of(System.getProperty("java.io.tmpdir")));
    }

    public static DumpEngine create(DumpSettings settings, Path tempDir) {
        switch (settings.engine()) {
            case DumpSettings.ENGINE_DRIVER:
                return new DriverDumpEngine(settings);
            case DumpSettings.ENGINE_MONGODUMP:
                return new MongodumpEngine(settings, findExecutable(settings.mongodumpPath()).orElseThrow(() ->
                        new IllegalArgumentException("dump.engine is mongodump but dump.mongodumpPath '"
                                + settings.mongodumpPath() + "' is not an executable file"
                                + (isBareName(settings.mongodumpPath()) ? " on PATH" : ""))), tempDir);
            default:
                Optional<Path> exe = findExecutable(settings.mongodumpPath());
                return exe.<DumpEngine>map(p -> new MongodumpEngine(settings, p, tempDir))
                        .orElseGet(() -> new DriverDumpEngine(settings));
        }
    }

    /** {@code nameOrPath} itself if it contains a path separator, else the first match on {@code PATH}. */
    public static Optional<Path> findExecutable(String nameOrPath) {
        return findExecutable(nameOrPath, System.getenv("PATH"));
    }

    static Optional<Path> findExecutable(String nameOrPath, String pathVariable) {
        try {
            if (!isBareName(nameOrPath)) {
                Path p = Path.of(nameOrPath).toAbsolutePath();
                return isExecutableFile(p) ? Optional.of(p) : Optional.empty();
            }
            if (pathVariable == null) {
                return Optional.empty();
            }
            for (String dir : pathVariable.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, nameOrPath).toAbsolutePath();
                if (isExecutableFile(p)) {
                    return Optional.of(p);
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static boolean isBareName(String nameOrPath) {
        return nameOrPath.indexOf('/') < 0 && nameOrPath.indexOf(File.separatorChar) < 0;
    }

    private static boolean isExecutableFile(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }
}
