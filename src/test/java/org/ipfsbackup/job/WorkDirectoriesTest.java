package org.ipfsbackup.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
        Path a = w.create("one");
        Files.writeString(a.resolve("f"), "x");
        Path keep = Files.writeString(root.resolve("operator-notes.txt"), "keep me");
        assertThat(w.removeLeftovers()).containsExactly(a);
        assertThat(a).doesNotExist();
        assertThat(keep).exists();
    }
}
