package org.ipfsbackup.testing;

import java.nio.file.Path;

/** Paths of the project for tests (surefire passes project.basedir). */
public final class Project {
    private Project() {
    }

    public static Path dir() {
        return Path.of(System.getProperty("project.basedir", "")).toAbsolutePath();
    }

    public static Path routes() {
        return dir().resolve("routes");
    }

    public static Path config() {
        return dir().resolve("application.properties");
    }

    /** A key that passes the strength rules; tests only. */
    public static final String TEST_KEY = "test-only-key-7f3a9c2e-ipfs-backup-route-tests";
}
