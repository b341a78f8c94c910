package org.ipfsbackup.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.ipfsbackup.drill.CollectionDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive's own description carries a full backup's content digests, and an adopted upload's entry keeps them. */
class BackupInfoDigestsTest {
    @TempDir
    Path tmp;

    @Test
    void digestsSurviveTheArchiveDescriptionAndAdoption() throws Exception {
        List<CollectionDigest> digests = List.of(new CollectionDigest("shop.orders", 10, "ab".repeat(32)));
        BackupInfo info = new BackupInfo(BackupInfo.VERSION, "full_backup_x.tar.gz.enc", "full", Instant.parse("2026-12-02T05:00:00Z"),
                List.of("shop"), "7.0", "rs0", "driver", 1, 10L, "1:1", "1:1", 1L, null, null, digests);
        BackupInfo read = BackupInfo.read(info.writeInto(tmp));
        assertThat(read).isEqualTo(info);
        assertThat(read.toEntry("cid", 1, "00", List.of("p"), "gzip", "k", null, 5L).contentDigests()).isEqualTo(digests);

        BackupInfo none = new BackupInfo(BackupInfo.VERSION, "incremental_backup_y.tar.gz.enc", "incremental", Instant.parse("2026-12-02T05:00:00Z"),
                List.of(), "7.0", "rs0", "driver", 0, 0L, "1:1", "2:1", 1L, "a", "a", null);
        Path f = none.writeInto(Files.createDirectories(tmp.resolve("inc")));
        assertThat(Files.readString(f)).doesNotContain("contentDigests");
        assertThat(BackupInfo.read(f).contentDigests()).isEmpty();
    }
}
