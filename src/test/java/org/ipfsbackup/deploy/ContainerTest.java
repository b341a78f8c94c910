package org.ipfsbackup.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The container image as operators run it: {@code bin/container test} builds the image from the Dockerfile (local
 * Debian base, the jar and the stack's mongodump/mongorestore), runs it with podman on the host network against a
 * fresh local stack (read-only root, uid 10001, secrets under /run/secrets), waits for its HEALTHCHECK, runs a full and
 * an incremental backup with {@code podman exec}, restores each on the host and compares it with the source, then
 * stops it with SIGTERM. The script checks each step and fails on the first that does not hold; this test runs it
 * and checks its result line. Tagged {@code container}: excluded from {@code mvn test} and {@code bin/test} (it
 * installs podman with apt-get when missing and takes minutes).
 */
@Tag("container")
class ContainerTest {

    @Test
    void theImageBacksUpAndRestoresOnTheLocalStackAndStopsCleanly() throws Exception {
        Path dir = Project.dir();
        Path log = dir.resolve("target/container/container-test.log");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(dir.resolve("bin/container").toString(), "test").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(40, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            throw new AssertionError("bin/container test did not finish in 40 minutes; log " + log);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        assertThat(p.exitValue()).as("bin/container test exit status; log " + log + ":\n" + tail).isZero();
        String last = lines.get(lines.size() - 1);
        assertThat(last).startsWith("CONTAINER-RESULT ");
        JsonNode r = new ObjectMapper().readTree(last.substring("CONTAINER-RESULT ".length()));
        assertThat(r.path("uid").asInt()).isEqualTo(10001);
        assertThat(r.path("readOnlyRoot").asBoolean()).isTrue();
        assertThat(r.path("restoredIdentical").asBoolean()).isTrue();
        assertThat(r.path("full").asText()).startsWith("baf");
        assertThat(r.path("incremental").asText()).startsWith("baf").isNotEqualTo(r.path("full").asText());
        assertThat(r.path("exitCode").asInt()).as("SIGTERM handled, not SIGKILLed").isIn(0, 143);
        assertThat(r.path("stopSeconds").asDouble()).isLessThan(30);
        assertThat(r.path("imageMB").asInt()).isPositive();
    }
}
