package org.ipfsbackup.alert;

import org.ipfsbackup.mongo.Masking;

import org.ipfsbackup.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySpoolTest {
    static final Instant T = Instant.parse("2024-05-05T02:00:00Z");
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(T);

    DirectorySpool spool() {
        return new DirectorySpool(dir.resolve("spool"), clock, Masking.PATTERNS);
    }

    static Alert alert(String error) {
        return Alert.of(AlertEvent.PIN_FAILURE, "incremental", "backup-pin-verify", error, "inc_1.tar.gz.enc", T);
    }

    @Test
    void keepPendingSentRoundTrip() {
        DirectorySpool spool = spool();
        assertThat(spool.pending()).isEmpty();

        String first = spool.keep(alert("one"), "SMTP connection refused");
        clock.advance(Duration.ofSeconds(1));
        String second = spool.keep(alert("two").resolvedAt(T.plusSeconds(5), "cleared"), "SMTP timeout");

        List<SpooledAlert> pending = spool.pending();
        assertThat(pending).extracting(SpooledAlert::id).containsExactly(first, second);
        assertThat(pending.get(0)).isEqualTo(new SpooledAlert(first, alert("one"), "SMTP connection refused", 1));
        assertThat(pending.get(1).alert().resolved()).isTrue();
        assertThat(pending.get(1).alert().time()).isEqualTo(T.plusSeconds(5));
        assertThat(Files.exists(dir.resolve("spool").resolve(first))).isTrue();

        spool.sent(first);
        assertThat(spool.pending()).extracting(SpooledAlert::id).containsExactly(second);
        spool.sent(first); // twice is harmless
        spool.sent(second);
        assertThat(spool.pending()).isEmpty();
        assertThat(spool.corrupt()).isEmpty();
    }

    @Test
    void keptAlertsSurviveANewInstanceAndCountAttempts() {
        String id = spool().keep(alert("one"), "refused");
        DirectorySpool reopened = spool();
        reopened.failedAgain(id, "still refused");
        reopened.failedAgain(id, "timeout");

        List<SpooledAlert> pending = spool().pending();
        assertThat(pending).containsExactly(new SpooledAlert(id, alert("one"), "timeout", 3));
        reopened.failedAgain("0000000000000-000000-00000000.json", "unknown ids are ignored");
        assertThat(spool().pending()).hasSize(1);
    }

    @Test
    void noTemporaryFilesAreLeftAndFilesAreOwnerOnly() throws Exception {
        DirectorySpool spool = spool();
        String id = spool.keep(alert("one"), "refused");
        spool.failedAgain(id, "again");
        try (var files = Files.list(dir.resolve("spool"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(id);
        }
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("spool").resolve(id))))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("spool"))))
                    .isEqualTo("rwx------");
        }
    }

    @Test
    void secretsDoNotReachTheDisk() throws Exception {
        DirectorySpool spool = spool();
        String id = spool.keep(alert("mongodb://u:Pw9secret@db/ and BACKUP_ENCRYPTION_KEY=KeyMaterial1"),
                "535 auth failed, password=SmtpPw77");
        String onDisk = Files.readString(dir.resolve("spool").resolve(id));
        assertThat(onDisk).doesNotContain("Pw9secret", "KeyMaterial1", "SmtpPw77").contains("PIN_FAILURE");
    }

    @Test
    void concurrentKeepsAreAllKept() throws Exception {
        DirectorySpool spool = spool();
        int threads = 8;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        ids.add(spool.keep(alert("t" + thread + "-" + i), "refused"));
                    }
                    return ids;
                }));
            }
            go.countDown();
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : futures) {
                all.addAll(f.get(30, TimeUnit.SECONDS));
            }
            List<SpooledAlert> pending = spool.pending();
            assertThat(all).doesNotHaveDuplicates().hasSize(threads * each);
            assertThat(pending).extracting(SpooledAlert::id).containsExactlyInAnyOrderElementsOf(all);
            assertThat(pending).extracting(s -> s.alert().error()).doesNotHaveDuplicates().hasSize(threads * each);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCorruptFileIsMovedAsideAndReportedNotDeleted() throws Exception {
        DirectorySpool spool = spool();
        String good = spool.keep(alert("good"), "refused");
        Path spoolDir = dir.resolve("spool");
        Path broken = spoolDir.resolve("1714874400000-000001-deadbeef.json");
        Files.writeString(broken, "{\"version\":1,\"alert\":{\"event\":\"NO_SUCH_EVENT\"");
        Path empty = spoolDir.resolve("1714874400001-000002-deadbeef.json");
        Files.writeString(empty, "{}");

        List<SpooledAlert> pending = spool.pending();

        assertThat(pending).extracting(SpooledAlert::id).containsExactly(good);
        assertThat(broken).doesNotExist();
        assertThat(spool.corrupt()).extracting(p -> p.getFileName().toString())
                .containsExactly("1714874400000-000001-deadbeef.json", "1714874400001-000002-deadbeef.json");
        assertThat(Files.readString(spool.corrupt().get(0))).isEqualTo("{\"version\":1,\"alert\":{\"event\":\"NO_SUCH_EVENT\"");
        assertThat(spool().pending()).extracting(SpooledAlert::id).containsExactly(good);

        // a second corrupt file of the same name does not overwrite the first one moved aside
        Files.writeString(broken, "garbage");
        spool.pending();
        assertThat(spool.corrupt()).hasSize(3);
    }

    @Test
    void otherFilesAndBadIdsAreLeftAlone() throws Exception {
        DirectorySpool spool = spool();
        Path spoolDir = dir.resolve("spool");
        Files.writeString(spoolDir.resolve("README.txt"), "not an alert");
        Files.writeString(spoolDir.resolve(".x.json.tmp"), "half");
        assertThat(spool.pending()).isEmpty();
        assertThat(spoolDir.resolve("README.txt")).exists();
        assertThatThrownBy(() -> spool.sent("../README.txt")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> spool.sent("README.txt")).isInstanceOf(IllegalArgumentException.class);
        assertThat(spoolDir.resolve("README.txt")).exists();
    }
}
