package org.ipfsbackup.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarGzExtractorTest {

    @TempDir
    Path tmp;

    /** Where a successful escape would land; must stay empty. */
    private Path outside;
    private Path target;

    @BeforeEach
    void setUp() throws IOException {
        outside = Files.createDirectories(tmp.resolve("outside"));
        target = tmp.resolve("restore/target");
    }

    // ---- building crafted archives -------------------------------------------------------------------------

    /** One crafted entry: a header and, for regular files, content. */
    private record Crafted(TarArchiveEntry entry, byte[] content) {}

    private static Crafted file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private static Crafted file(String name, byte[] content) {
        TarArchiveEntry e = new TarArchiveEntry(name, true); // true: keep a leading '/' as written
        e.setSize(content.length);
        return new Crafted(e, content);
    }

    private static Crafted dir(String name) {
        return new Crafted(new TarArchiveEntry(name, true), null);
    }

    private static Crafted link(String name, byte type, String linkTarget) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setLinkName(linkTarget);
        return new Crafted(e, null);
    }

    private static byte[] tarGz(Crafted... entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes), "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Crafted c : entries) {
                tar.putArchiveEntry(c.entry());
                if (c.content() != null) {
                    tar.write(c.content());
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes)) {
            gz.write(raw);
        }
        return bytes.toByteArray();
    }

    private ExtractResult extract(byte[] archive) throws IOException {
        return extract(archive, ExtractLimits.defaults());
    }

    private ExtractResult extract(byte[] archive, ExtractLimits limits) throws IOException {
        return new TarGzExtractor(limits).extract(new ByteArrayInputStream(archive), target);
    }

    private void assertRefused(byte[] archive, ExtractLimits limits, String entry, String rule) {
        assertThatThrownBy(() -> extract(archive, limits))
                .isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("'" + entry + "'")
                .hasMessageContaining(rule)
                .satisfies(e -> assertThat(((UnsafeArchiveException) e).entryName()).isEqualTo(entry));
        assertThat(target).doesNotExist();
        assertThat(target.getParent()).doesNotExist(); // created by the extractor for the target, so removed too
        assertThat(outside).isEmptyDirectory();
    }

    private void assertRefused(byte[] archive, String entry, String rule) {
        assertRefused(archive, ExtractLimits.defaults(), entry, rule);
    }

    // ---- refusals ------------------------------------------------------------------------------------------

    @Test
    void refusesAbsolutePaths() throws IOException {
        String absolute = outside.resolve("abs.txt").toString();
        assertRefused(tarGz(file("ok/first.bson", "fine"), file(absolute, "evil")), absolute, "absolute path");
    }

    @Test
    void refusesParentReferences() throws IOException {
        assertRefused(tarGz(file("ok.bson", "fine"), file("../outside/x", "evil")), "../outside/x", "'..'");
    }

    @Test
    void refusesParentReferencesHiddenInsideThePath() throws IOException {
        assertRefused(tarGz(dir("a/"), file("a/../../outside/x", "evil")), "a/../../outside/x", "'..'");
    }

    @Test
    void refusesSymlinkToSystemFile() throws IOException {
        assertRefused(tarGz(file("ok.bson", "fine"), link("passwd", TarConstants.LF_SYMLINK, "/etc/passwd")),
                "passwd", "symbolic link (to '/etc/passwd')");
    }

    @Test
    void refusesSymlinkFollowedByAFileThroughIt() throws IOException {
        byte[] archive = tarGz(link("d", TarConstants.LF_SYMLINK, outside.toString()), file("d/evil.txt", "evil"));
        assertRefused(archive, "d", "symbolic link");
    }

    @Test
    void refusesHardLinkOutside() throws IOException {
        assertRefused(tarGz(file("ok.bson", "fine"), link("h", TarConstants.LF_LINK, "/etc/passwd")),
                "h", "hard link (to '/etc/passwd')");
    }

    @Test
    void refusesHardLinkEvenInside() throws IOException {
        assertRefused(tarGz(file("ok.bson", "fine"), link("h", TarConstants.LF_LINK, "ok.bson")), "h", "hard link");
    }

    @Test
    void refusesDeviceFiles() throws IOException {
        TarArchiveEntry dev = new TarArchiveEntry("null", TarConstants.LF_CHR);
        dev.setDevMajor(1);
        dev.setDevMinor(3);
        assertRefused(tarGz(file("ok.bson", "fine"), new Crafted(dev, null)), "null", "device file");
    }

    @Test
    void refusesFifos() throws IOException {
        assertRefused(tarGz(new Crafted(new TarArchiveEntry("pipe", TarConstants.LF_FIFO), null)), "pipe", "FIFO");
    }

    @Test
    void refusesAnEntryClaimingAHugeSizeBeforeReadingIt() throws IOException {
        // A header claiming 2 TiB followed by only one record of content: the limit must fire on the header.
        TarArchiveEntry huge = new TarArchiveEntry("huge.bson");
        huge.setSize(2 * ExtractLimits.TIB);
        byte[] header = new byte[TarConstants.DEFAULT_RCDSIZE];
        huge.writeEntryHeader(header, ZipEncodingHelper.getZipEncoding("UTF-8"), true); // star mode: binary size
        byte[] raw = Arrays.copyOf(header, 2 * TarConstants.DEFAULT_RCDSIZE);
        assertRefused(gzip(raw), "huge.bson", "exceeds the per-entry limit");
    }

    @Test
    void refusesAnEntryOverTheEntryLimit() throws IOException {
        ExtractLimits limits = new ExtractLimits(1_000_000, 1000, 100);
        assertRefused(tarGz(file("small.bson", new byte[1000]), file("big.bson", new byte[1001])), limits,
                "big.bson", "per-entry limit of 1000 bytes");
    }

    @Test
    void refusesEntriesOverTheTotalLimit() throws IOException {
        ExtractLimits limits = new ExtractLimits(3000, 2000, 100);
        assertRefused(tarGz(file("a", new byte[1500]), file("b", new byte[1500]), file("c", new byte[1])), limits,
                "c", "total size would exceed the limit of 3000 bytes");
    }

    @Test
    void refusesTooManyEntries() throws IOException {
        ExtractLimits limits = new ExtractLimits(1_000_000, 1000, 3);
        assertRefused(tarGz(dir("d/"), file("d/1", "1"), file("d/2", "2"), file("d/3", "3")), limits,
                "d/3", "more than 3 entries");
    }

    @Test
    void refusesDuplicateEntries() throws IOException {
        assertRefused(tarGz(file("a.bson", "first"), file("a.bson", "second")), "a.bson", "duplicate entry");
    }

    @Test
    void refusesAFileWhereADirectoryIsNeeded() throws IOException {
        assertRefused(tarGz(file("a", "file"), file("a/b", "under a file")), "a/b", "already a file");
    }

    // ---- failure cleanup and target rules ------------------------------------------------------------------

    @Test
    void truncatedArchiveLeavesNothingBehind() throws IOException {
        byte[] content = new byte[200_000];
        new java.util.Random(1).nextBytes(content);
        byte[] good = tarGz(file("db/a.bson", "fine"), file("db/b.bson", content));
        byte[] truncated = Arrays.copyOf(good, good.length / 2);

        assertThatThrownBy(() -> extract(truncated)).isInstanceOf(IOException.class);
        assertThat(target.getParent()).doesNotExist();
    }

    @Test
    void existingEmptyTargetIsKeptButEmptiedOnFailure() throws IOException {
        Files.createDirectories(target);
        assertThatThrownBy(() -> extract(tarGz(dir("db/"), file("db/a.bson", "fine"), file("../x", "evil"))))
                .isInstanceOf(UnsafeArchiveException.class);
        assertThat(target).isEmptyDirectory();
    }

    @Test
    void refusesANonEmptyTargetWithoutTouchingIt() throws IOException {
        Files.createDirectories(target);
        Files.writeString(target.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> extract(tarGz(file("a.bson", "x"))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not empty");
        try (Stream<Path> files = Files.list(target)) {
            assertThat(files).containsExactly(target.resolve("keep.txt"));
        }
        assertThat(target.resolve("keep.txt")).hasContent("mine");
    }

    @Test
    void extractsIntoAnExistingEmptyDirectory() throws IOException {
        Files.createDirectories(target);
        ExtractResult result = extract(tarGz(dir("./"), dir("db/"), file("db/a.bson", "abc"), file("./db/b.bson", "de")));
        assertThat(result).isEqualTo(new ExtractResult(2, 5));
        assertThat(target.resolve("db/a.bson")).hasContent("abc");
        assertThat(target.resolve("db/b.bson")).hasContent("de");
    }

    @Test
    void createsMissingParentsForFilesWithoutDirectoryEntries() throws IOException {
        ExtractResult result = extract(tarGz(file("x/y/z.bson", "abc")));
        assertThat(result).isEqualTo(new ExtractResult(1, 3));
        assertThat(target.resolve("x/y/z.bson")).hasContent("abc");
    }

    @Test
    void readsConcatenatedGzipMembersAsParallelGzipWritesThem() throws IOException {
        ByteArrayOutputStream rawTar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(rawTar, "UTF-8")) {
            for (Crafted c : List.of(file("db/a.bson", "first member"), file("db/b.bson", "second member"))) {
                tar.putArchiveEntry(c.entry());
                tar.write(c.content());
                tar.closeArchiveEntry();
            }
        }
        byte[] raw = rawTar.toByteArray();
        ByteArrayOutputStream members = new ByteArrayOutputStream();
        members.writeBytes(gzip(Arrays.copyOfRange(raw, 0, 700)));
        members.writeBytes(gzip(Arrays.copyOfRange(raw, 700, raw.length)));

        assertThat(extract(members.toByteArray())).isEqualTo(new ExtractResult(2, 25));
        assertThat(target.resolve("db/b.bson")).hasContent("second member");
    }

    @Test
    void listReportsNamesSizesAndTypesWithoutWriting() throws IOException {
        byte[] archive = tarGz(dir("db/"), file("db/a.bson", "abc"), link("l", TarConstants.LF_SYMLINK, "/etc/passwd"));
        List<ArchiveEntryInfo> entries = new TarGzExtractor(ExtractLimits.defaults()).list(new ByteArrayInputStream(archive));
        assertThat(entries).containsExactly(
                new ArchiveEntryInfo("db/", 0, true),
                new ArchiveEntryInfo("db/a.bson", 3, false),
                new ArchiveEntryInfo("l", 0, false));
        assertThat(target.getParent()).doesNotExist();
    }

    @Test
    void listAppliesTheEntryLimit() throws IOException {
        byte[] archive = tarGz(file("a", "1"), file("b", "2"));
        assertThatThrownBy(() -> new TarGzExtractor(new ExtractLimits(10, 10, 1)).list(new ByteArrayInputStream(archive)))
                .isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("'b'");
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new ExtractLimits(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExtractLimits(1, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExtractLimits(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ExtractLimits.defaults()).isEqualTo(new ExtractLimits(1L << 40, 256L << 30, 1_000_000));
    }
}
