package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.manifest.ManifestStore;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack's IPFS Cluster peers require basic auth ({@code api.restapi.basic_auth_credentials}), so every
 * stack test authenticates for real; this one shows the application with a wrong password refused: a clear error
 * naming the setting, the alert mail, nothing pinned, nothing recorded, no temp files.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class ClusterAuthStackTest {

    @TempDir
    Path tmp;

    @Test
    void wrongClusterCredentialsAreRefusedWithAnAlertAndLeaveNothing(LocalStack stack) throws Exception {
        Map<String, String> env = stack.env();
        String to = "ops-auth@devstack.test";
        Map<String, String> o = FaultMatrixStackTest.settingsIn(tmp, env, to);
        Map<String, String> secrets = new HashMap<>();
        secrets.put("BACKUP_ENCRYPTION_KEY", Project.TEST_KEY);
        secrets.put("IPFS_CLUSTER_PASSWORD", "not-the-cluster-password");
        Set<String> pinnedBefore = FaultMatrixStackTest.pinnedCids(env);
        try (BackupApplication app = BackupApplication.start(new BackupApplication.Options(Project.config(),
                Project.routes(), o, secrets, false));
             MongoClient source = MongoClients.create(env.get("MONGODB_URI"))) {
            ManifestStore repo = new ManifestStore(source, "ipfs_backup", "backups", "manifest_state", "manifest_history");
            int before = repo.all().size();
            BackupApplication.Outcome failed = app.runBackup("full");
            assertThat(failed.succeeded()).isFalse();
            assertThat(failed.failure()).as("a clear error naming the setting")
                    .contains("401").contains("IPFS_CLUSTER_PASSWORD");
            assertThat(repo.all()).as("nothing recorded").hasSize(before);
            assertThat(FaultMatrixStackTest.workFiles(tmp.resolve("work"))).as("no temp files").isEmpty();
            FaultMatrixStackTest.awaitSubject(env, to, "[ipfs-backup][CRITICAL] backup failure (full)");
        }
        assertThat(FaultMatrixStackTest.pinnedCids(env)).as("nothing pinned").isEqualTo(pinnedBefore);
    }
}
