package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.MongoToolVersion;

import org.ipfsbackup.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** Picks the engine {@link DumpSettings#engine()} asks for. */
public final class DumpEngines {

    private static final Logger LOG = LoggerFactory.getLogger(DumpEngines.class);
    private static final String SETTING = "MONGODUMP_PATH, dump.mongodump-path";

    private DumpEngines() {
    }

    /**
     * {@code mongodump}: the mongodump engine (fails if {@link DumpSettings#mongodumpPath()} is not an executable);
     * {@code driver}: the driver engine; {@code auto}: mongodump if the executable is found, else the driver.
     * A mongodump that is found must report a supported version ({@link MongoToolVersion}). Temporary files of
     * mongodump go to {@code java.io.tmpdir}.
     *
     * @throws ConfigException (start-up error, exit code 3) when mongodump is asked for but missing, or is found but of
     *                         an unsupported version
     */
    public static DumpEngine create(DumpSettings settings) {
        return create(settings, Path.of(System.getProperty("java.io.tmpdir")));
    }

    public static DumpEngine create(DumpSettings settings, Path tempDir) {
        if (settings.engine().equals(DumpSettings.ENGINE_DRIVER)) {
            LOG.info("dump engine: driver (dump.engine=driver)");
            return new DriverDumpEngine(settings);
        }
        Optional<Path> exe = findExecutable(settings.mongodumpPath());
        if (exe.isEmpty()) {
            if (settings.engine().equals(DumpSettings.ENGINE_MONGODUMP)) {
                throw new ConfigException("DUMP_ENGINE (dump.engine) is mongodump but MONGODUMP_PATH (dump.mongodump-path) '"
                        + settings.mongodumpPath() + "' is not an executable file"
                        + (isBareName(settings.mongodumpPath()) ? " on PATH" : ""));
            }
            LOG.info("dump engine: driver (dump.engine=auto, no mongodump executable '{}'{})", settings.mongodumpPath(),
                    isBareName(settings.mongodumpPath()) ? " on PATH" : "");
            return new DriverDumpEngine(settings);
        }
        MongoToolVersion version = MongoToolVersion.require(MongodumpEngine.NAME, exe.get(), SETTING);
        LOG.info("dump engine: mongodump {} at {} (dump.engine={})", version, exe.get(), settings.engine());
        return new MongodumpEngine(settings, exe.get(), tempDir);
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

    /** Creates {@code outDir} if needed and refuses one that already holds anything. */
    static void prepareOutDir(String engine, Path outDir) throws DumpException {
        try {
            Files.createDirectories(outDir);
            try (java.nio.file.DirectoryStream<Path> s = Files.newDirectoryStream(outDir)) {
                if (s.iterator().hasNext()) {
                    throw new DumpException(engine, "output directory is not empty: " + outDir);
                }
            }
        } catch (java.io.IOException e) {
            throw new DumpException(engine, "cannot create output directory " + outDir + ": " + e, e);
        }
    }
}
