package org.ipfsbackup.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirectoriesTest {

    @Test
    void namesFollowTheSeed() {
        Instant t = Instant.parse("2026-11-29T02:00:07Z");
        assertThat(BackupNames.backupFile("full", t)).isEqualTo("full_backup_2026-11-29_020007.tar.gz.enc");
        assertThat(BackupNames.backupFile("incremental", t)).isEqualTo("incremental_backup_2026-11-29_020007.tar.gz.enc");
        assertThat(BackupNames.archiveFile("full_backup_2026-11-29_020007.tar.gz.enc")).isEqualTo("full_backup_2026-11-29_020007.tar.gz");
        assertThatThrownBy(() -> BackupNames.backupFile("weekly", t)).hasMessageContaining("full or incremental");
    }

    @Test
    void jobDirectoriesArePrivateAndGoAway(@TempDir Path root) throws Exception {
        WorkDirectories w = new WorkDirectories(root);
        Path d = w.create("full_backup_x");
        Files.writeString(d.resolve("a"), "x");
        Files.createDirectories(d.resolve("dump/db"));
        Files.writeString(d.resolve("dump/db/c.bson"), "y");
        assertThat(Files.getPosixFilePermissions(d)).hasSize(3);
        assertThatThrownBy(() -> w.create("full_backup_x")).hasMessageContaining("already exists");
        w.delete(d);
        assertThat(d).doesNotExist();
        assertThatThrownBy(() -> w.delete(root.getParent())).hasMessageContaining("refusing");
    }

    @Test
    void leftoversOfACrashAreRemovedAndNothingElse(@TempDir Path root) throws Exception {
        WorkDirectories w = new WorkDirectories(root);
        Path a = w.create("one", "db1:4711:dead0000");
        Files.writeString(a.resolve("f"), "x");
        Path keep = Files.writeString(root.resolve("operator-notes.txt"), "keep me");
        assertThat(w.removeLeftovers(owner -> false)).containsExactly(a);
        assertThat(a).doesNotExist();
        assertThat(keep).exists();
    }

    @Test
    void theFolderOfAJobWhoseOwnerStillRunsIsKept(@TempDir Path root) throws Exception {
        WorkDirectories w = new WorkDirectories(root);
        Path running = w.create("full_backup_1", "db1:4711:live0000");
        Files.createDirectories(running.resolve("dump/db"));
        Path crashed = w.create("full_backup_2", "db2:815:dead0000");
        Path noOwner = w.create("incremental_backup_3");
        assertThat(WorkDirectories.owner(running)).hasValue("db1:4711:live0000");
        assertThat(WorkDirectories.owner(noOwner)).isEmpty();
        assertThat(Files.getPosixFilePermissions(running.resolve(WorkDirectories.OWNER_FILE)))
                .as("owner-only like the folder").doesNotContain(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);

        List<Path> removed = w.removeLeftovers(owner -> owner.equals("db1:4711:live0000"));

        assertThat(removed).containsExactlyInAnyOrder(crashed, noOwner);
        assertThat(running.resolve("dump/db")).isDirectory();
        assertThat(crashed).doesNotExist();
        assertThat(noOwner).doesNotExist();
    }
}
