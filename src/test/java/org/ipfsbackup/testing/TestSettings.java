package org.ipfsbackup.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The property overrides the tests start the application with. */
public final class TestSettings {
    private TestSettings() {
    }

    /** In-JVM route tests: mongo-java-server, the cluster double, fast KDF, short pin timeout and retry delay. */
    public static Map<String, String> routeTest(String mongoUri, String clusterUrl, Path workDir) {
        Map<String, String> m = new HashMap<>();
        m.put("mongodb.uri", mongoUri);
        m.put("dump.engine", "driver");
        m.put("ipfs.cluster.node1", clusterUrl);
        m.put("ipfs.pin.timeout", "2s");
        m.put("ipfs.pin.poll-interval", "50ms");
        m.put("ipfs.retry.delay", "50");
        m.put("backup.work-dir", workDir.toString());
        m.put("crypto.kdf.iterations", "10000");
        return m;
    }

    /** Starts the application on the project's configuration with these overrides and the test key. */
    public static org.ipfsbackup.camel.BackupApplication start(Path routes, Map<String, String> overrides) throws Exception {
        return org.ipfsbackup.camel.BackupApplication.start(new org.ipfsbackup.camel.BackupApplication.Options(Project.config(), routes,
                overrides, Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY), false));
    }

    /**
     * Tests on the local stack: its MongoDB, both cluster peers, both Kubo nodes; the default KDF; the default dump
     * engine ({@code auto}), which picks the stack's own build of mongodump (and restores use its mongorestore), as the
     * image does. A test about the driver engine sets {@code dump.engine=driver} itself.
     */
    public static Map<String, String> stack(Map<String, String> env, Path workDir) {
        Map<String, String> m = new HashMap<>();
        m.put("mongodb.uri", env.get("MONGODB_URI"));
        m.put("ipfs.cluster.node1", env.get("IPFS_CLUSTER_NODE_1"));
        m.put("ipfs.cluster.node2", env.get("IPFS_CLUSTER_NODE_2"));
        // the stack's cluster REST API wants basic auth: the user here, the password file in stackSecrets(env)
        m.put("ipfs.cluster.username", env.get("IPFS_CLUSTER_USER"));
        m.put("ipfs.nodes", env.get("IPFS_NODE_1") + "," + env.get("IPFS_NODE_2"));
        m.put("ipfs.pin.timeout", "60s");
        // the stack's own builds of mongo-tools, not whatever PATH has; without them the tests would quietly run the
        // driver engine (auto), so they are required (src/devstack/build-stack builds them, or fails)
        for (String tool : new String[] {"mongodump", "mongorestore"}) {
            String path = env.get(tool.toUpperCase(java.util.Locale.ROOT) + "_PATH");
            if (path == null) {
                throw new IllegalStateException("no " + tool + " in the stack's bin directory " + env.get("DEVSTACK_BIN")
                        + ": src/devstack/build-stack builds it");
            }
            m.put(tool.equals("mongodump") ? "dump.mongodump-path" : "restore.mongorestore-path", path);
        }
        // -Dstack.dump-engine=driver runs the stack tests on the driver engine (to compare their times)
        String engine = System.getProperty("stack.dump-engine");
        if (engine != null && !engine.isBlank()) {
            m.put("dump.engine", engine);
        }
        m.put("backup.work-dir", workDir.toString());
        return m;
    }

    /** The secrets an application on the local stack needs: the test key and the cluster's password file. */
    public static Map<String, String> stackSecrets(Map<String, String> env) {
        return Map.of("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY,
                "IPFS_CLUSTER_PASSWORD_FILE", env.get("IPFS_CLUSTER_PASSWORD_FILE"));
    }

    /** Starts the application on the project's configuration with these overrides and the stack's secrets. */
    public static org.ipfsbackup.camel.BackupApplication startOnStack(Path routes, Map<String, String> overrides,
                                                                     Map<String, String> env) throws Exception {
        return org.ipfsbackup.camel.BackupApplication.start(new org.ipfsbackup.camel.BackupApplication.Options(
                Project.config(), routes, overrides, stackSecrets(env), false));
    }

    /** Alert e-mails to the stack's GreenMail for {@code to}, kept in {@code spoolDir} while it cannot be reached. */
    public static Map<String, String> withStackAlerts(Map<String, String> o, Map<String, String> env, String to, Path spoolDir) {
        o.put("alert.enabled", "true");
        o.put("alert.smtp.host", env.get("SMTP_HOST"));
        o.put("alert.smtp.port", env.get("SMTP_PORT"));
        o.put("alert.smtp.security", "none");
        o.put("alert.from", "ipfs-backup@devstack.test");
        o.put("alert.to", to);
        o.put("alert.spool-dir", spoolDir.toString());
        return o;
    }
}
