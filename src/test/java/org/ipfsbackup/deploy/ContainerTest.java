package org.ipfsbackup.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The container image as operators run it: {@code bin/container test} builds the image from the Dockerfile (local
 * Debian base, the jar and the stack's mongodump/mongorestore), runs it with podman on the host network against a
 * fresh local stack (read-only root, uid 10001, secrets under /run/secrets), waits for its HEALTHCHECK, runs a full and
 * an incremental backup with {@code podman exec}, restores each on the host and compares it with the source, then
 * stops it with SIGTERM. The script checks each step and fails on the first that does not hold; this test runs it
 * and checks its result line. Then {@code bin/container compose} runs docker-compose.yaml with the local images
 * (docker-compose.local.yaml) under podman-compose in a network namespace of its own: every service healthy, the
 * backup service's network, volumes and secrets as declared, a full backup pinned on both cluster peers, the REST
 * API refusing a request without the password, nothing left after {@code down -v}. Tagged {@code container}:
 * excluded from {@code mvn test} and {@code bin/test} (it installs podman with apt-get when missing and takes
 * minutes); {@code .ci/run} runs it after the test suite and the demo.
 */
@Tag("container")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerTest {

    @Test
    @Order(1)
    void theImageBacksUpAndRestoresOnTheLocalStackAndStopsCleanly() throws Exception {
        JsonNode r = run("test", "CONTAINER-RESULT ", Map.of());
        assertThat(r.path("uid").asInt()).isEqualTo(10001);
        assertThat(r.path("readOnlyRoot").asBoolean()).isTrue();
        assertThat(r.path("restoredIdentical").asBoolean()).isTrue();
        assertThat(r.path("full").asText()).startsWith("baf");
        assertThat(r.path("incremental").asText()).startsWith("baf").isNotEqualTo(r.path("full").asText());
        assertThat(r.path("exitCode").asInt()).as("SIGTERM handled, not SIGKILLed").isIn(0, 143);
        assertThat(r.path("stopSeconds").asDouble()).isLessThan(30);
        assertThat(r.path("imageMB").asInt()).isPositive();
    }

    @Test
    @Order(2)
    void theComposeFileRunsWithLocalImagesAndPinsABackupOnBothPeers() throws Exception {
        // the image the first test built (built here when it is missing)
        JsonNode r = run("compose", "COMPOSE-RESULT ", Map.of("REUSE_IMAGE", "1"));
        assertThat(r.path("full").asText()).startsWith("baf");
        assertThat(r.path("peers").asInt()).isEqualTo(2);
        assertThat(r.path("pinnedOnBothPeers").asBoolean()).isTrue();
        assertThat(r.path("restoredIdentical").asBoolean()).isTrue();
        assertThat(r.path("documents").asInt()).as("documents restored into mongo2 and compared").isPositive();
        assertThat(r.path("clusterWithoutCredentials").asInt()).isEqualTo(401);
    }

    /** Runs {@code bin/container COMMAND}, its output in target/container/COMMAND.log; its last line's JSON. */
    private static JsonNode run(String command, String prefix, Map<String, String> env) throws Exception {
        Path dir = Project.dir();
        Path log = dir.resolve("target/container/" + command + ".log");
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(dir.resolve("bin/container").toString(), command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(40, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            throw new AssertionError("bin/container " + command + " did not finish in 40 minutes; log " + log);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        assertThat(p.exitValue()).as("bin/container " + command + " exit status; log " + log + ":\n" + tail).isZero();
        String last = lines.get(lines.size() - 1);
        assertThat(last).as("last line of " + log + ":\n" + tail).startsWith(prefix);
        return new ObjectMapper().readTree(last.substring(prefix.length()));
    }
}
