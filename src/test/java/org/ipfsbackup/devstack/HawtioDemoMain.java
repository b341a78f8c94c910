package org.ipfsbackup.devstack;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.TestSettings;

/**
 * For bin/hawtio-snapshot: the application in this JVM with Hawtio on (HAWTIO_ENABLED), against mongo-java-server and
 * the cluster double, after two real backups through the routes (so the route statistics are not empty). Prints
 * {@code HAWTIO-READY <url>} and runs until it is stopped (SIGTERM).
 * Arguments: hawtio port, management port, hawtio war, project directory.
 */
public final class HawtioDemoMain {
    private HawtioDemoMain() {
    }

    public static void main(String[] args) throws Exception {
        int hawtioPort = Integer.parseInt(args[0]);
        int managementPort = Integer.parseInt(args[1]);
        String war = args[2];
        Path project = Path.of(args[3]);
        InJvmMongo mongo = InJvmMongo.start(false);
        String uri = mongo.uri();
        try (MongoClient c = MongoClients.create(uri)) {
            c.getDatabase("shop").getCollection("customers").insertMany(List.of(new Document("_id", 1).append("name", "Ada"),
                    new Document("_id", 2).append("name", "Grace")));
        }
        FakeCluster cluster = new FakeCluster();
        Path work = Files.createTempDirectory("ipfs-backup-hawtio-demo");
        Map<String, String> o = TestSettings.routeTest(uri, cluster.url(), work);
        o.put("dump.oplog", "false");
        o.put("camel.management.enabled", "true");
        o.put("camel.management.port", Integer.toString(managementPort));
        o.put("hawtio.enabled", "true");
        o.put("hawtio.port", Integer.toString(hawtioPort));
        o.put("hawtio.war", war);
        BackupApplication app = BackupApplication.start(new BackupApplication.Options(project.resolve("application.properties"),
                project.resolve("routes"), o, Map.of("BACKUP_ENCRYPTION_KEY", org.ipfsbackup.testing.Project.TEST_KEY), false));
        for (int i = 0; i < 2; i++) {
            BackupApplication.Outcome r = app.runBackup("full");
            if (!r.succeeded()) {
                throw new IllegalStateException("demo backup failed: " + r.failure());
            }
            Thread.sleep(1100); // backup names have second precision
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            cluster.close();
            mongo.close();
        }));
        System.out.println("HAWTIO-READY http://127.0.0.1:" + hawtioPort + "/hawtio/");
        System.out.flush();
        Thread.currentThread().join();
    }
}
