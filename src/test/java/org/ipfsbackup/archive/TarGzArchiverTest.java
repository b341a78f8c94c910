package org.ipfsbackup.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarGzArchiverTest {

    private static final String LONG_NAME = "coll_" + "x".repeat(140) + ".bson";
    private static final String LONG_DIR = "d".repeat(90);

    @TempDir
    Path tmp;

    /** A dump-like tree: nested dirs, an empty dir, empty files, a 20 MB random file, unicode and long names. */
    private Path sampleTree() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(src.resolve("shop"));
        Files.writeString(src.resolve("shop/orders.metadata.json"), "{\"indexes\":[],\"collectionName\":\"orders\"}");
        byte[] random = new byte[20 * 1024 * 1024];
        new Random(42).nextBytes(random);
        Files.write(src.resolve("shop/orders.bson"), random);
        Files.write(src.resolve("shop/empty.bson"), new byte[0]);
        Files.createDirectories(src.resolve("données/ünïcødé-日本語"));
        Files.writeString(src.resolve("données/ünïcødé-日本語/コレクション.bson"), "unicode content ✓");
        Files.createDirectories(src.resolve("a/b/c/d"));
        Files.write(src.resolve("a/b/c/d/deep.bson"), new byte[] {1, 2, 3});
        Files.createDirectories(src.resolve("a/empty-dir"));
        Files.createDirectories(src.resolve(LONG_DIR));
        Files.writeString(src.resolve(LONG_DIR + "/" + LONG_NAME), "long name content");
        Files.write(src.resolve("oplog.bson"), new byte[0]);
        return src;
    }

    @Test
    void roundTripKeepsEveryFileByteForByte() throws IOException {
        Path src = sampleTree();
        Path archive = tmp.resolve("backup.tar.gz");

        ArchiveResult result = new TarGzArchiver(6).archive(src, archive);

        Map<String, String> expected = ArchiveTestTrees.fingerprint(src);
        assertThat(result.files()).isEqualTo(7);
        long content = expected.keySet().stream().filter(k -> !"dir".equals(expected.get(k)))
                .mapToLong(k -> src.resolve(k).toFile().length()).sum();
        assertThat(result.contentBytes()).isEqualTo(content);
        assertThat(result.archiveBytes()).isEqualTo(Files.size(archive));

        Path out = tmp.resolve("out");
        ExtractResult extracted;
        try (InputStream in = Files.newInputStream(archive)) {
            extracted = new TarGzExtractor(ExtractLimits.defaults()).extract(in, out);
        }
        assertThat(ArchiveTestTrees.fingerprint(out)).isEqualTo(expected);
        assertThat(extracted).isEqualTo(new ExtractResult(7, content));
        assertThat(out.resolve(LONG_DIR + "/" + LONG_NAME).toString().length()).isGreaterThan(out.toString().length() + 200);
    }

    @Test
    void keepsModificationTimesToTheSecond() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path file = Files.writeString(src.resolve("c.bson"), "x");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(1_600_000_000_123L, TimeUnit.MILLISECONDS));
        Path archive = tmp.resolve("a.tar.gz");
        new TarGzArchiver(6).archive(src, archive);
        Path out = tmp.resolve("out");
        try (InputStream in = Files.newInputStream(archive)) {
            new TarGzExtractor(ExtractLimits.defaults()).extract(in, out);
        }
        assertThat(Files.getLastModifiedTime(out.resolve("c.bson")).toMillis()).isEqualTo(1_600_000_000_000L);
    }

    @Test
    void entriesAreInSortedTreeOrderAndOutputIsDeterministic() throws IOException {
        Path src = sampleTree();
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        new TarGzArchiver(1).archive(src, first);
        new TarGzArchiver(1).archive(src, second);
        assertThat(first.toByteArray()).isEqualTo(second.toByteArray());

        List<ArchiveEntryInfo> entries = new TarGzExtractor(ExtractLimits.defaults())
                .list(new ByteArrayInputStream(first.toByteArray()));
        assertThat(entries).extracting(ArchiveEntryInfo::name).containsExactly(
                "a/", "a/b/", "a/b/c/", "a/b/c/d/", "a/b/c/d/deep.bson", "a/empty-dir/",
                LONG_DIR + "/", LONG_DIR + "/" + LONG_NAME,
                "données/", "données/ünïcødé-日本語/", "données/ünïcødé-日本語/コレクション.bson",
                "oplog.bson",
                "shop/", "shop/empty.bson", "shop/orders.bson", "shop/orders.metadata.json");
        assertThat(entries).filteredOn(e -> e.name().equals("shop/orders.bson"))
                .containsExactly(new ArchiveEntryInfo("shop/orders.bson", 20 * 1024 * 1024, false));
        assertThat(entries).filteredOn(ArchiveEntryInfo::directory).allMatch(e -> e.name().endsWith("/") && e.size() == 0);
    }

    @Test
    void archiveIsReadableBySystemTar() throws Exception {
        assumeTrue(commandWorks("tar", "--version"), "no tar on this machine");
        Path src = sampleTree();
        Path archive = tmp.resolve("backup.tar.gz");
        new TarGzArchiver(9).archive(src, archive);
        Path out = Files.createDirectories(tmp.resolve("tar-out"));

        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", out.toString())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as("tar output: %s", output).isZero();
        assertThat(ArchiveTestTrees.fingerprint(out)).isEqualTo(ArchiveTestTrees.fingerprint(src));
    }

    @Test
    void extractorReadsWhatSystemTarWrites() throws Exception {
        assumeTrue(commandWorks("tar", "--version"), "no tar on this machine");
        Path src = sampleTree();
        Path archive = tmp.resolve("by-tar.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", src.toString(), ".")
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as("tar output: %s", output).isZero();

        Path out = tmp.resolve("out");
        try (InputStream in = Files.newInputStream(archive)) {
            new TarGzExtractor(ExtractLimits.defaults()).extract(in, out);
        }
        assertThat(ArchiveTestTrees.fingerprint(out)).isEqualTo(ArchiveTestTrees.fingerprint(src));
    }

    @Test
    void gzipLevelIsValidated() {
        for (int bad : new int[] {0, 10, -1}) {
            assertThatThrownBy(() -> new TarGzArchiver(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("archive.gzip-level")
                    .hasMessageContaining(Integer.toString(bad));
        }
        assertThat(new GzipCodec(1).level()).isEqualTo(1);
        assertThat(new GzipCodec(9).level()).isEqualTo(9);
    }

    @Test
    void levelChangesTheCompression() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Random random = new Random(7);
        String[] words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"};
        StringBuilder text = new StringBuilder();
        while (text.length() < 2_000_000) {
            text.append(words[random.nextInt(words.length)]).append(random.nextInt(1000)).append(' ');
        }
        Files.writeString(src.resolve("text.bson"), text);
        ByteArrayOutputStream fast = new ByteArrayOutputStream();
        ByteArrayOutputStream small = new ByteArrayOutputStream();
        ArchiveResult r1 = new TarGzArchiver(1).archive(src, fast);
        ArchiveResult r9 = new TarGzArchiver(9).archive(src, small);
        assertThat(r1.archiveBytes()).isEqualTo(fast.size());
        assertThat(r9.archiveBytes()).isEqualTo(small.size());
        assertThat(r9.archiveBytes()).isLessThan(r1.archiveBytes());
    }

    @Test
    void outputStreamIsLeftOpen() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.bson"), "abc");
        boolean[] closed = {false};
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        ArchiveResult result = new TarGzArchiver(6).archive(src, out);
        assertThat(closed[0]).isFalse();
        assertThat(result).isEqualTo(new ArchiveResult(1, 3, out.size()));
    }

    @Test
    void refusesSymbolicLinksInTheSource() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(src.resolve("db"));
        Files.writeString(src.resolve("db/a.bson"), "abc");
        Files.createSymbolicLink(src.resolve("db/passwd.bson"), Path.of("/etc/passwd"));
        Path archive = tmp.resolve("a.tar.gz");

        assertThatThrownBy(() -> new TarGzArchiver(6).archive(src, archive))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("symbolic link")
                .hasMessageContaining("db/passwd.bson");
        assertThat(archive).doesNotExist();
    }

    @Test
    void refusesSpecialFilesInTheSource() throws Exception {
        assumeTrue(commandWorks("mkfifo", "--version"), "no mkfifo on this machine");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Process mkfifo = new ProcessBuilder("mkfifo", src.resolve("pipe").toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assumeTrue(mkfifo.exitValue() == 0, "mkfifo failed");

        assertThatThrownBy(() -> new TarGzArchiver(6).archive(src, new ByteArrayOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("special file")
                .hasMessageContaining("pipe");
    }

    @Test
    void refusesATargetInsideTheSource() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.bson"), "abc");
        assertThatThrownBy(() -> new TarGzArchiver(6).archive(src, src.resolve("self.tar.gz")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inside the source");
        assertThat(src.resolve("self.tar.gz")).doesNotExist();
    }

    @Test
    void refusesAMissingSource() {
        assertThatThrownBy(() -> new TarGzArchiver(6).archive(tmp.resolve("nope"), new ByteArrayOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a directory");
    }

    static boolean commandWorks(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
