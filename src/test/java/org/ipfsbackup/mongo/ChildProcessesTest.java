package org.ipfsbackup.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessesTest {

    @Test
    void stopAllStopsEachProcessWithWhatItStartedAndForgetsNothingRemoved(@TempDir Path tmp) throws Exception {
        Path pids = tmp.resolve("pids");
        // a shell (as a wrapper around mongodump would be) that keeps a child of its own running; one that ignores SIGTERM
        Process wrapper = new ProcessBuilder("sh", "-c", "sleep 300 & echo $! > '" + pids + "'; wait").start();
        Process stubborn = new ProcessBuilder("sh", "-c", "trap '' TERM; while true; do sleep 0.1; done").start();
        Process finished = new ProcessBuilder("true").start();
        ChildProcesses registry = new ChildProcesses();
        try {
            registry.add(wrapper);
            registry.add(stubborn);
            registry.add(finished);
            assertThat(finished.waitFor()).isZero();
            assertThat(registry.remove(finished)).isTrue();
            assertThat(registry.size()).isEqualTo(2);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pids) && !Files.readString(pids).isBlank());
            long grandchild = Long.parseLong(Files.readString(pids).strip());
            assertThat(ProcessHandle.of(grandchild)).isPresent();

            long t0 = System.nanoTime();
            int stopped = registry.stopAll(Duration.ofMillis(500));

            assertThat(stopped).as("both shells and what they run now").isGreaterThanOrEqualTo(3);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !wrapper.isAlive() && !stubborn.isAlive()
                    && ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false) == false);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("SIGKILL after the grace").isLessThan(Duration.ofSeconds(5));
        } finally {
            for (Process p : List.of(wrapper, stubborn)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }
}
