package org.ipfsbackup.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.ipfsbackup.bench.UserLikeDump;
import org.ipfsbackup.config.ArchiveSettings;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.restore.BackupFetcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zstd codec, codec selection (settings, names) and the choice of reader (manifest, file name, magic bytes). */
class CompressionTest {

    @TempDir
    Path tmp;

    private Path dump() throws IOException {
        Path src = tmp.resolve("src");
        UserLikeDump.generate(src, 3 << 20, 5);
        Files.createDirectories(src.resolve("empty-db"));
        Files.write(src.resolve("oplog.bson"), new byte[0]);
        return src;
    }

    private Map<String, String> extractWith(CompressionCodec reader, Path archive) throws IOException {
        Path out = tmp.resolve("out-" + System.nanoTime());
        try (InputStream in = Files.newInputStream(archive)) {
            new TarGzExtractor(ExtractLimits.defaults(), reader).extract(in, out);
        }
        return ArchiveTestTrees.fingerprint(out);
    }

    @Test
    void zstdRoundTripAndTheZstdBinaryReadsIt() throws Exception {
        Path src = dump();
        Path archive = tmp.resolve("b.tar.zst");
        ArchiveResult r = new TarGzArchiver(new ZstdCodec(3, 2)).archive(src, archive);
        byte[] head = Arrays.copyOf(Files.readAllBytes(archive), 4);
        assertThat(head).containsExactly(0x28, 0xb5, 0x2f, 0xfd);
        assertThat(r.archiveBytes()).isLessThan(r.contentBytes() / 2);
        Map<String, String> expected = ArchiveTestTrees.fingerprint(src);
        assertThat(extractWith(Compression.detecting(), archive)).isEqualTo(expected);
        assertThat(extractWith(Compression.forReading("zstd", null), archive)).isEqualTo(expected);

        assumeTrue(works("zstd", "--version"), "no zstd binary on this machine");
        Path out = Files.createDirectories(tmp.resolve("by-tar"));
        assertThat(run("tar", "--zstd", "-xf", archive.toString(), "-C", out.toString())).isZero();
        assertThat(ArchiveTestTrees.fingerprint(out)).isEqualTo(expected);
        assertThat(run("zstd", "-t", "-q", archive.toString())).isZero(); // frame checksum
    }

    @Test
    void aTruncatedZstdArchiveFails() throws Exception {
        Path archive = tmp.resolve("b.tar.zst");
        new TarGzArchiver(new ZstdCodec(3, 1)).archive(dump(), archive);
        byte[] all = Files.readAllBytes(archive);
        Files.write(archive, Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> extractWith(Compression.detecting(), archive)).isInstanceOf(IOException.class);
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("out-")); // nothing left behind
        }
    }

    @Test
    void readerChecksWhatTheManifestOrFileNameSaysAgainstTheMagicBytes() throws Exception {
        Path src = dump();
        Path gz = tmp.resolve("b.tar.gz");
        new TarGzArchiver(new ParallelGzipCodec(6, 2)).archive(src, gz);
        assertThatThrownBy(() -> extractWith(Compression.forReading("zstd", null), gz))
                .hasMessage("the archive is gzip-compressed but the manifest says zstd");
        Path misnamed = Files.copy(gz, tmp.resolve("x.tar.zst.enc"));
        assertThatThrownBy(() -> extractWith(Compression.forReading(null, misnamed.getFileName().toString()), misnamed))
                .hasMessageContaining("gzip-compressed but the file name x.tar.zst.enc says zstd");
        assertThatThrownBy(() -> Compression.forReading("lz4", "x.tar.gz.enc"))
                .hasMessageContaining("compression 'lz4'").hasMessageContaining("[gzip, zstd]");
        Path junk = Files.write(tmp.resolve("junk"), new byte[] {1, 2, 3, 4, 5});
        assertThatThrownBy(() -> extractWith(Compression.detecting(), junk)).hasMessageContaining("neither gzip nor zstd (it starts with 0102030405"
                .substring(0, 45));
    }

    @Test
    void fileNamesNameTheCodec() {
        Instant t = Instant.parse("2026-11-29T02:00:07Z");
        assertThat(BackupNames.backupFile("full", t, "zstd")).isEqualTo("full_backup_2026-11-29_020007.tar.zst.enc");
        assertThat(BackupNames.backupFile("incremental", t, "gzip")).isEqualTo("incremental_backup_2026-11-29_020007.tar.gz.enc");
        assertThat(BackupNames.archiveFile("full_backup_2026-11-29_020007.tar.zst.enc")).isEqualTo("full_backup_2026-11-29_020007.tar.zst");
        assertThat(Compression.fromFileName("full_backup_2026-11-29_020007.tar.zst.enc")).isEqualTo("zstd");
        assertThat(Compression.fromFileName("full_backup_2026-11-29_020007.tar.gz.enc")).isEqualTo("gzip");
        assertThat(Compression.fromFileName("backup.enc")).isNull();
    }

    /** A backup from before this change: single-threaded gzip (commons-compress), encrypted, no compression field. */
    @Test
    void oldSingleThreadGzipBackupsStillRestore() throws Exception {
        Path src = dump();
        Path plain = tmp.resolve("old.tar.gz");
        new TarGzArchiver(new GzipCodec(6)).archive(src, plain);
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret("an-old-backup-key-0123456789-abcdefgh", "k1"), 10_000);
        Path enc = tmp.resolve("full_backup_2025-01-01_020000.tar.gz.enc");
        cipher.encrypt(plain, enc);
        Map<String, String> expected = ArchiveTestTrees.fingerprint(src);
        for (String[] declared : new String[][] {{null, null}, {"gzip", enc.getFileName().toString()}, {null, enc.getFileName().toString()}}) {
            Path out = tmp.resolve("restored-" + System.nanoTime());
            BackupFetcher.decryptAndExtract(cipher, enc, null, null, out, declared[0], declared[1]);
            assertThat(ArchiveTestTrees.fingerprint(out)).isEqualTo(expected);
        }
    }

    /** One pass: the sha256 is checked while decrypting; a mismatch leaves no extracted directory behind. */
    @Test
    void shaIsCheckedInTheDecryptPassAndAMismatchLeavesNothing() throws Exception {
        Path src = dump();
        Path plain = tmp.resolve("one-pass.tar.gz");
        new TarGzArchiver(new ArchiveSettings("gzip", 6, 3, 2).codec()).archive(src, plain);
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret("a-one-pass-backup-key-0123456789-abcd", "k1"), 10_000);
        Path enc = tmp.resolve("full_backup_2026-02-01_020000.tar.gz.enc");
        String sha = cipher.encrypt(plain, enc).sha256();
        Path ok = tmp.resolve("restored-ok");
        BackupFetcher.decryptAndExtract(cipher, enc, sha.toUpperCase(java.util.Locale.ROOT), null, ok, "gzip", enc.getFileName().toString());
        assertThat(ArchiveTestTrees.fingerprint(ok)).isEqualTo(ArchiveTestTrees.fingerprint(src));

        String wrong = (sha.charAt(0) == '0' ? "1" : "0") + sha.substring(1);
        Path bad = tmp.resolve("restored-bad");
        assertThatThrownBy(() -> BackupFetcher.decryptAndExtract(cipher, enc, wrong, null, bad, "gzip", enc.getFileName().toString()))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("sha256 of " + enc + " is " + sha + " but the manifest says " + wrong);
        assertThat(bad).doesNotExist();
    }

    @Test
    void zstdBackupsRestoreThroughTheSamePath() throws Exception {
        Path src = dump();
        Path plain = tmp.resolve("new.tar.zst");
        new TarGzArchiver(new ArchiveSettings("zstd", 6, 3, 2).codec()).archive(src, plain);
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret("a-new-backup-key-0123456789-abcdefgh", "k1"), 10_000);
        Path enc = tmp.resolve("full_backup_2026-01-01_020000.tar.zst.enc");
        cipher.encrypt(plain, enc);
        Path out = tmp.resolve("restored");
        BackupFetcher.decryptAndExtract(cipher, enc, null, null, out, "zstd", enc.getFileName().toString());
        assertThat(ArchiveTestTrees.fingerprint(out)).isEqualTo(ArchiveTestTrees.fingerprint(src));
    }

    @Test
    void settingsAreCheckedWithMessagesNamingThem() {
        assertThat(ArchiveSettings.load(k -> java.util.Optional.empty())).satisfies(s -> {
            assertThat(s.compression()).isEqualTo("gzip");
            assertThat(s.gzipLevel()).isEqualTo(6);
            assertThat(s.zstdLevel()).isEqualTo(3);
            assertThat(s.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(s.codec()).isInstanceOf(Runtime.getRuntime().availableProcessors() > 1 ? ParallelGzipCodec.class : GzipCodec.class);
        });
        Map<String, String> zstd = Map.of("backup.compression", " ZSTD ", "archive.zstd-level", "7", "archive.threads", "3");
        ArchiveSettings s = ArchiveSettings.load(k -> java.util.Optional.ofNullable(zstd.get(k)));
        assertThat(s).isEqualTo(new ArchiveSettings("zstd", 6, 7, 3));
        assertThat(s.codec()).isInstanceOf(ZstdCodec.class).extracting(c -> ((ZstdCodec) c).level()).isEqualTo(7);
        assertThatThrownBy(() -> ArchiveSettings.load(k -> java.util.Optional.ofNullable(Map.of("backup.compression", "lz4").get(k))))
                .isInstanceOf(ConfigException.class).hasMessage("BACKUP_COMPRESSION (backup.compression) = 'lz4' is not one of [gzip, zstd]");
        assertThatThrownBy(() -> ArchiveSettings.load(k -> java.util.Optional.ofNullable(Map.of("archive.zstd-level", "25").get(k))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("archive.zstd-level = 25 is out of range 1..19");
        assertThatThrownBy(() -> ArchiveSettings.load(k -> java.util.Optional.ofNullable(Map.of("archive.threads", "-1").get(k))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("archive.threads");
    }

    @Test
    void zstdCodecRejectsBadLevels() {
        assertThatThrownBy(() -> new ZstdCodec(0, 1)).hasMessageContaining("archive.zstd-level");
        assertThatThrownBy(() -> new ZstdCodec(3, 0)).hasMessageContaining("archive.threads");
    }

    @Test
    void emptyArchiveInputIsNamed() {
        assertThatThrownBy(() -> Compression.detecting().decompress(new ByteArrayInputStream(new byte[0])))
                .hasMessage("the archive is empty");
    }

    private static boolean works(String... cmd) {
        try {
            return run(cmd) == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
