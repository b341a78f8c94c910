package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.cli.Main;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.recovery.OrphanAction;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 7: the MongoDB collection that lists the published manifest versions ({@code manifest_history}) is
 * lost; the next start must not unpin the superseded versions (the head links to them, and each still names live
 * backups), nor may retention. Shown on the real stack: after recovery (past {@code recovery.grace}) and retention,
 * the IPFS nodes collect their garbage, and every manifest CID still restores, from that CID alone, exactly the state
 * it was published for. Since manifest format 2 the versions after a checkpoint are deltas: a restore from one of
 * them reads its chain back to the checkpoint, and retention and recovery keep that chain.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class ManifestVersionsStackTest {
    @TempDir
    Path tmp;

    Map<String, String> env;
    Path config;
    Map<String, String> overrides;
    /** What the last {@link #cli} call printed on stderr. */
    String lastErr;

    BackupApplication start() throws Exception {
        return BackupApplication.start(new BackupApplication.Options(config, Project.routes(), overrides,
                TestSettings.stackSecrets(env), false));
    }

    String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--config");
        a.add(config.toString());
        int code = Main.execute(new HashMap<>(TestSettings.stackSecrets(env)), new PrintWriter(out, true),
                new PrintWriter(err, true), a.toArray(String[]::new));
        assertThat(code).as(String.join(" ", args) + "\n" + out + err).isZero();
        lastErr = err.toString();
        return out.toString();
    }

    static List<Document> docs(MongoCollection<Document> c) {
        return c.find().sort(Sorts.ascending("_id")).into(new ArrayList<>());
    }

    /** Kubo's garbage collection: whatever is not pinned any more is gone from the node, as it would be in time. */
    static void collectGarbage(String kuboUrl) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(kuboUrl + "/api/v0/repo/gc"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("repo/gc on " + kuboUrl + ": " + r.body()).isEqualTo(200);
    }

    @Test
    void everyManifestCidNamingALiveBackupStillRestoresAfterTheHistoryCollectionIsLost(LocalStack stack) throws Exception {
        env = stack.env();
        config = tmp.resolve("stack.properties");
        Files.write(config, TestSettings.stack(env, tmp.resolve("work")).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        overrides = new HashMap<>();
        overrides.put("recovery.grace", "1s");
        overrides.put("retention.after-backup", "false");
        overrides.put("retention.manifest-versions", "1");
        try (MongoClient source = MongoClients.create(env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            MongoCollection<Document> items = source.getDatabase("manifests").getCollection("items");
            items.drop();
            // three backups, three manifest versions: each version -> the state it describes
            Map<String, List<Document>> versions = new LinkedHashMap<>();
            Instant last;
            try (BackupApplication app = start()) {
                items.insertMany(List.of(new Document("_id", 1).append("v", "a"), new Document("_id", 2).append("v", "a")));
                BackupApplication.Outcome full = app.runBackup("full");
                assertThat(full.failure()).isNull();
                versions.put(full.manifestCid(), docs(items));
                items.insertOne(new Document("_id", 3).append("v", "b"));
                items.updateOne(Filters.eq("_id", 1), Updates.set("v", "b"));
                BackupApplication.Outcome inc1 = app.runBackup("incremental");
                assertThat(inc1.failure()).isNull();
                assertThat(inc1.fallbackReason()).isNull();
                versions.put(inc1.manifestCid(), docs(items));
                items.deleteOne(Filters.eq("_id", 2));
                items.insertOne(new Document("_id", 4).append("v", "c"));
                BackupApplication.Outcome inc2 = app.runBackup("incremental");
                assertThat(inc2.failure()).isNull();
                versions.put(inc2.manifestCid(), docs(items));
                last = Instant.now();
            }
            assertThat(versions).hasSize(3);

            // the MongoDB collection listing the manifest versions is lost
            source.getDatabase("ipfs_backup").getCollection("manifest_history").drop();
            // restart once the versions are older than recovery.grace: start-up recovery looks at them
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(last.plusSeconds(2)));
            try (BackupApplication app = start()) {
                List<OrphanAction> report = app.runRecovery();
                assertThat(report).filteredOn(a -> versions.containsKey(a.pin().cid()))
                        .as("the superseded versions are looked at and kept").hasSize(2)
                        .allSatisfy(a -> assertThat(a.kept()).as(a.describe()).isTrue());
                assertThat(FaultMatrixStackTest.pinnedCids(env)).as("every manifest version is still pinned").containsAll(versions.keySet());
                // retention (keeping "1" superseded version here) keeps them too: the head links to them
                BackupApplication.RetentionOutcome r = app.runRetention(null);
                assertThat(r.failure()).isNull();
                assertThat(FaultMatrixStackTest.pinnedCids(env)).as("every manifest version is still pinned after retention")
                        .containsAll(versions.keySet());
                // the next start keeps them again (that it no longer even looks at them, once listed again, is not
                // asserted: on the shared stack a version kept by a link was seen again in the clean-clone run)
                assertThat(app.runRecovery()).filteredOn(a -> versions.containsKey(a.pin().cid()))
                        .as("the next start keeps them too").allSatisfy(a -> assertThat(a.kept()).as(a.describe()).isTrue());
            }
            collectGarbage(env.get("IPFS_NODE_1"));
            collectGarbage(env.get("IPFS_NODE_2"));
            // every manifest CID that names a live backup restores, from that CID alone, the state it describes; the
            // versions after the first are deltas (each holds the new entry), read back through their chain
            Map<String, Integer> walked = new LinkedHashMap<>();
            for (Map.Entry<String, List<Document>> v : versions.entrySet()) {
                cli("restore", "latest", "--manifest-cid", v.getKey(), "--target-uri", env.get("RESTORE_MONGODB_URI"), "--drop",
                        "--ns-include", "manifests.*");
                assertThat(docs(target.getDatabase("manifests").getCollection("items"))).as("restored from " + v.getKey())
                        .isEqualTo(v.getValue());
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("read (\\d+) versions back to checkpoint").matcher(lastErr);
                walked.put(v.getKey(), m.find() ? Integer.parseInt(m.group(1)) : 1);
            }
            List<Integer> reads = new ArrayList<>(walked.values());
            assertThat(reads.get(1)).as("the incremental's version is a delta on the full's: " + walked).isGreaterThanOrEqualTo(2);
        }
    }
}
