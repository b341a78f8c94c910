package org.ipfsbackup.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The frame every job runs in, without Camel: lock or skip, name, work directory, release. */
class JobGuardTest {
    @TempDir
    Path root;
    final Clock clock = Clock.fixed(Instant.parse("2026-11-27T02:00:00.123456Z"), ZoneOffset.UTC);

    @Test
    void aJobHoldsTheLockAndItsDirectoryUntilReleasedAndAnotherIsSkippedMeanwhile() {
        BackupLock lock = new BackupLock();
        JobGuard guard = new JobGuard(lock, new WorkDirectories(root), clock);
        JobGuard.Start first = guard.tryStart("retention", t -> JobGuard.runName("retention", t), "retention is skipped this time");
        assertThat(first.ran()).isTrue();
        JobGuard.Job job = first.job();
        assertThat(job.name()).isEqualTo("retention_2026-11-27_020000");
        assertThat(job.started()).isEqualTo(Instant.parse("2026-11-27T02:00:00.123Z"));
        assertThat(job.workDir()).isDirectory().hasParent(root).hasFileName("job-retention_2026-11-27_020000");

        JobGuard.Start second = guard.tryStart("incremental", t -> "x", "it covers this incremental, which is skipped");
        assertThat(second.ran()).isFalse();
        // the holder as the lock describes it (with a lease in MongoDB: also its owner), then what the skip means
        assertThat(second.skipped()).isEqualTo("a " + lock.holder() + " job is running; it covers this incremental, which is skipped")
                .startsWith("a retention");

        guard.release(job.workDir(), true);
        assertThat(job.workDir()).doesNotExist();
        assertThat(guard.tryStart("incremental", t -> "inc", "skipped").ran()).isTrue();
    }

    @Test
    void aFullWaitsForTheLockAndSaysWhoHeldItWhenItGivesUp() throws Exception {
        BackupLock lock = new BackupLock();
        JobGuard guard = new JobGuard(lock, new WorkDirectories(root), clock);
        assertThat(lock.tryAcquire("rekey")).isTrue();
        assertThatThrownBy(() -> guard.start("full", Duration.ofMillis(200), "backup.lock-wait", t -> "full"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("rekey").hasMessageContaining("backup.lock-wait")
                .hasMessageContaining("this full job did not run");
        lock.release();
        assertThat(guard.start("full", Duration.ofMillis(200), "backup.lock-wait", t -> "full").workDir()).isDirectory();
    }

    @Test
    void aJobWhoseWorkDirectoryCannotBeMadeReleasesTheLock() throws Exception {
        BackupLock lock = new BackupLock();
        // the work directory's root is a regular file: no job folder can be made under it
        Path notADirectory = Files.writeString(root.resolve("not-a-directory"), "x");
        JobGuard guard = new JobGuard(lock, new WorkDirectories(notADirectory), clock);
        assertThatThrownBy(() -> guard.tryStart("full", t -> "same", "skipped")).isInstanceOf(RuntimeException.class);
        assertThat(lock.tryAcquire("incremental")).as("the lock was released").isTrue();
    }

    @Test
    void describeNamesEachCauseOnce() {
        Exception e = new IllegalStateException("upload failed", new java.io.IOException("connection reset"));
        assertThat(JobGuard.describe(e)).isEqualTo("IllegalStateException: upload failed <- IOException: connection reset");
        assertThat(JobGuard.describe(null)).isEqualTo("unknown failure");
    }
}
