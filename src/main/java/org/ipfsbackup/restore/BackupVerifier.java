package org.ipfsbackup.restore;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ipfsbackup.archive.ArchiveEntryInfo;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.manifest.ManifestEntry;

/**
 * Proves a recorded backup is restorable without restoring it: downloaded from an IPFS node, sha256 (and CID) checked
 * against the manifest, decrypted to the end (every segment authenticated), the archive listed.
 *
 * @param fetcher downloads from the IPFS nodes
 * @param cipher  decrypts with the key ring
 * @param workDir where the download and its listing live while checked (removed afterwards)
 */
public record BackupVerifier(BackupFetcher fetcher, BackupCipher cipher, Path workDir) {

    /** The outcome; {@code error} is null when it verified. */
    public record Result(ManifestEntry entry, boolean ok, String node, long bytes, int archiveEntries, long contentBytes, String error) {
        public String summary() {
            return ok ? "ok: " + bytes + " bytes from " + node + ", sha256 and CID match, decrypted, " + archiveEntries + " archive entries ("
                    + contentBytes + " bytes)" : "failed: " + error;
        }
    }

    /**
     * The backup the scheduled verification checks: a kind (full, incremental, oplog slice: those present) picked at
     * random, then one of its backups. A kind first, so the many slices (144 a day at 10 minutes) do not crowd out the
     * fulls and daily incrementals. {@code complete} must not be empty.
     */
    public static ManifestEntry pick(java.util.List<ManifestEntry> complete, java.util.Random random) {
        java.util.Map<String, java.util.List<ManifestEntry>> byKind = new java.util.TreeMap<>();
        for (ManifestEntry e : complete) {
            byKind.computeIfAbsent(e.isSliceEntry() ? ManifestEntry.SLICE : String.valueOf(e.type()), k -> new java.util.ArrayList<>()).add(e);
        }
        java.util.List<java.util.List<ManifestEntry>> kinds = new java.util.ArrayList<>(byKind.values());
        java.util.List<ManifestEntry> kind = kinds.get(random.nextInt(kinds.size()));
        return kind.get(random.nextInt(kind.size()));
    }

    public Result verify(ManifestEntry e) {
        Path dir = null;
        try {
            Files.createDirectories(workDir);
            dir = Files.createTempDirectory(workDir, "verify-");
            Path enc = dir.resolve("backup.enc");
            var d = fetcher.download(e.cid(), e.sha256(), enc, e.size());
            List<ArchiveEntryInfo> entries;
            org.ipfsbackup.crypto.GcmWarmUp.beforeBulk(Files.size(enc));
            try (InputStream in = cipher.decryptingStream(Files.newInputStream(enc), e.dataKey())) {
                entries = new TarGzExtractor(ExtractLimits.defaults(),
                        org.ipfsbackup.archive.Compression.forReading(e.compression(), e.fileName())).list(in);
                in.transferTo(OutputStream.nullOutputStream()); // to the end: the last segment's tag
            }
            return new Result(e, true, d.node().toString(), d.bytes(), entries.size(), entries.stream().mapToLong(ArchiveEntryInfo::size).sum(), null);
        } catch (Exception ex) {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            return new Result(e, false, null, 0, 0, 0, msg);
        } finally {
            if (dir != null) {
                WorkDirectories.deleteTree(dir);
            }
        }
    }
}
