package org.ipfsbackup.restore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.ExtractResult;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.ipfs.UnixfsCid;

/**
 * Gets a backup back from IPFS (or the local cache): {@code cat} from the first node that delivers it, sha256 (and,
 * where it can be recomputed, the CID) checked against the manifest, decrypted (every segment authenticated) and
 * extracted. A restore does all of it in one pass as the bytes arrive ({@link #fetchAndExtract}); {@code download}
 * keeps the encrypted file. Nothing is left at the target path unless every check passed.
 */
public final class BackupFetcher {
    private final KuboClient kubo;
    private final List<URI> nodes;
    private final java.util.function.Consumer<String> progress;
    private org.ipfsbackup.cache.BackupCache cache;

    public BackupFetcher(KuboClient kubo, List<URI> nodes) {
        this(kubo, nodes, msg -> { });
    }

    /** @param progress told when a download is served from the cache (bytes downloaded: {@link org.ipfsbackup.observe.ProgressReporter#start}) */
    public BackupFetcher(KuboClient kubo, List<URI> nodes, java.util.function.Consumer<String> progress) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no IPFS node to download from: set IPFS_NODES (ipfs.nodes) or pass --node");
        }
        this.kubo = kubo;
        this.nodes = List.copyOf(nodes);
        this.progress = progress;
    }

    /**
     * Reads the local cache first (BACKUP_CACHE_DIR; null: none): a download with an expected sha256 is served from
     * the cached file when its sha256 matches, from the nodes otherwise (see {@link org.ipfsbackup.cache.BackupCache}).
     */
    public BackupFetcher readingCache(org.ipfsbackup.cache.BackupCache cache) {
        this.cache = cache;
        return this;
    }

    /** The node that delivered it and the sha256 of what was written. */
    public record Download(URI node, String sha256, long bytes, boolean cidRecomputed) {
    }

    /**
     * Downloads {@code cid} to {@code target}. When {@code expectedSha256} is given and differs, nothing is written
     * and the error says so.
     */
    public Download download(String cid, String expectedSha256, Path target) throws IOException {
        return download(cid, expectedSha256, target, -1);
    }

    /** As above, with the size the manifest records (-1 unknown), so progress shows done of total, rate and ETA. */
    public Download download(String cid, String expectedSha256, Path target, long expectedBytes) throws IOException {
        org.ipfsbackup.crypto.GcmWarmUp.startOnce(); // done by the time the download (or the cached file) is decrypted
        java.util.Optional<Long> cached = cache == null ? java.util.Optional.empty() : cache.readInto(cid, expectedSha256, target);
        if (cached.isPresent()) {
            progress.accept(cid + ": read from the local cache " + cache.dir() + " (sha256 matches the manifest), no download");
            return new Download(cache.dir().resolve(cid).toUri(), expectedSha256.toLowerCase(java.util.Locale.ROOT), cached.get(), false);
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        // the CID itself is a hash of the content: recomputed while the bytes arrive, where the upload parameters
        // allow (cid-version=1, raw leaves, default chunker, sha2-256), so a node cannot serve other bytes under it
        boolean recomputable = UnixfsCid.recomputable(cid);
        try {
            return kubo.catFirst(nodes, cid, (node, body) -> {
                MessageDigest md = sha256();
                UnixfsCid.Streaming cidOf = recomputable ? new UnixfsCid.Streaming() : null;
                // bytes of total, rate, ETA: where the process shows progress (the CLI's stderr, the service's log)
                org.ipfsbackup.observe.ProgressReporter shown = org.ipfsbackup.observe.ProgressReporter.start("downloading " + cid,
                        org.ipfsbackup.observe.ProgressReporter.Unit.BYTES, expectedBytes);
                try (OutputStream file = Files.newOutputStream(tmp)) {
                    OutputStream hashed = cidOf == null ? file : new org.apache.commons.io.output.TeeOutputStream(file, cidOf);
                    body.transferTo(shown.counting(new DigestOutputStream(hashed, md)));
                } finally {
                    shown.finish();
                }
                String actual = HexFormat.of().formatHex(md.digest());
                if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(actual)) {
                    throw new IOException("sha256 of the downloaded " + cid + " is " + actual + " but the manifest says " + expectedSha256
                            + ": the download is corrupt or not the recorded backup; nothing was written to " + target);
                }
                if (cidOf != null && !cidOf.cid().equals(cid)) {
                    throw new IOException("the bytes " + node + " returned for " + cid + " hash to " + cidOf.cid()
                            + ": not the requested content; nothing was written to " + target);
                }
                long n = Files.size(tmp);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                return new Download(node, actual, n, cidOf != null);
            });
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Decrypts and extracts an encrypted backup file into {@code dir} (which must not exist yet) and checks the file's
     * sha256 against {@code expectedSha256} (when not null) in the same pass. The data key from the backup's manifest
     * entry is tried first ({@code manifestKey}, may be null), then the one in the file's header; the codec is the one
     * the manifest's {@code compression} names, else the one its file name names, else the magic bytes show (see
     * {@link org.ipfsbackup.archive.Compression#forReading}).
     *
     * <p>The file is read once, hashed as it is decrypted and extracted into {@code dir} (a private work directory). Only
     * when the last segment's tag and the hash both check out is the extraction returned; otherwise {@code dir} is
     * removed and the error names the mismatch. Nothing outside {@code dir} is written either way, so a caller that
     * touches the target only with what this returns never writes unverified bytes to it.
     */
    public static ExtractResult decryptAndExtract(BackupCipher cipher, Path encrypted, String expectedSha256,
                                                  org.ipfsbackup.crypto.WrappedKey manifestKey, Path dir,
                                                  String compression, String fileName) throws IOException {
        org.ipfsbackup.archive.CompressionCodec codec = org.ipfsbackup.archive.Compression.forReading(compression, fileName);
        try (InputStream file = Files.newInputStream(encrypted)) {
            return extractVerified(file, encrypted.toString(), expectedSha256, null, cipher, manifestKey, dir, codec, Files.size(encrypted));
        }
    }

    /**
     * Starts, on other threads, what decrypting these backups needs before their first byte: the AES-GCM warm-up
     * ({@link org.ipfsbackup.crypto.GcmWarmUp}, once per JVM) and the PBKDF2 derivation of their data keys' wrapping
     * keys (0.1-0.2 s each in a new JVM; one per backup process, so a chain usually needs one), which starts once the
     * warm-up has ended. A restore calls it as soon as its plan is known, so both run while its download starts.
     */
    public static void prepare(List<org.ipfsbackup.manifest.ManifestEntry> entries, BackupCipher cipher) {
        org.ipfsbackup.crypto.GcmWarmUp.startOnce();
        List<org.ipfsbackup.crypto.WrappedKey> keys = entries.stream().map(org.ipfsbackup.manifest.ManifestEntry::dataKey)
                .filter(java.util.Objects::nonNull).toList();
        if (!keys.isEmpty()) {
            // after the warm-up: its compiles would otherwise wait behind PBKDF2's (see GcmWarmUp.runAfter)
            org.ipfsbackup.crypto.GcmWarmUp.runAfter("ipfs-backup-kdf", () -> keys.forEach(cipher::deriveAhead));
        }
    }

    /** What {@link #fetchAndExtract} read, from where (a node, or the cached file), and what it extracted. */
    public record Fetched(URI source, long bytes, boolean cidRecomputed, ExtractResult extracted) {
    }

    /**
     * Gets a backup into {@code dir} (a private work directory that must not exist yet) in one pass, with no encrypted
     * copy on disk: read from the local cache when it holds the file, else downloaded from the first node that serves
     * it; as the bytes arrive they are hashed (sha256 against the manifest's; the CID recomputed where the upload
     * parameters allow), decrypted (every segment's tag checked) and extracted, so the download and the decryption
     * overlap. It returns only when every check passed; otherwise {@code dir} is gone and the error says which check
     * failed, and nothing else was written. A cached file that does not match is removed (WARN) and the backup
     * downloaded instead; a node that cannot be reached, refuses, or breaks off while sending gives way to the next.
     */
    public Fetched fetchAndExtract(org.ipfsbackup.manifest.ManifestEntry e, BackupCipher cipher, Path dir) throws IOException {
        org.ipfsbackup.crypto.GcmWarmUp.startOnce();
        org.ipfsbackup.archive.CompressionCodec codec = org.ipfsbackup.archive.Compression.forReading(e.compression(), e.fileName());
        if (cache != null && e.sha256() != null) {
            java.util.Optional<Path> cached = cache.find(e.cid());
            if (cached.isPresent()) {
                try (InputStream in = Files.newInputStream(cached.get())) {
                    long size = Files.size(cached.get());
                    ExtractResult r = extractVerified(in, cached.get().toString(), e.sha256(), null, cipher, e.dataKey(), dir, codec, size);
                    progress.accept(e.cid() + ": read from the local cache " + cache.dir() + " (sha256 matches the manifest), no download");
                    return new Fetched(cached.get().toUri(), size, false, r);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // evicted since: downloaded below
                } catch (Sha256Mismatch m) {
                    cache.discard(e.cid(), m.getMessage());
                }
            }
        }
        boolean recomputable = UnixfsCid.recomputable(e.cid());
        return kubo.catFirst(nodes, e.cid(), (node, body) -> {
            UnixfsCid.Streaming cidOf = recomputable ? new UnixfsCid.Streaming() : null;
            org.ipfsbackup.observe.ProgressReporter shown = org.ipfsbackup.observe.ProgressReporter.start("downloading " + e.cid(),
                    org.ipfsbackup.observe.ProgressReporter.Unit.BYTES, e.size());
            ExtractResult r;
            org.apache.commons.io.input.BoundedInputStream counted = org.apache.commons.io.input.BoundedInputStream.builder()
                    .setInputStream(shown.counting(body)).get(); // no bound: counts
            try {
                // removes dir when it fails, so the next node starts afresh
                r = extractVerified(counted, e.cid() + " from " + node, e.sha256(), cidOf, cipher, e.dataKey(), dir, codec, e.size());
            } finally {
                shown.finish();
            }
            if (cidOf != null && !cidOf.cid().equals(e.cid())) {
                org.ipfsbackup.job.WorkDirectories.deleteTree(dir);
                throw new IOException("the bytes " + node + " returned for " + e.cid() + " hash to " + cidOf.cid()
                        + ": not the requested content; what was extracted to the work directory was removed, nothing else was written");
            }
            return new Fetched(node, counted.getCount(), cidOf != null, r);
        });
    }

    /** The bytes read are not the file the manifest recorded (their sha256 differs). */
    static final class Sha256Mismatch extends IOException {
        private static final long serialVersionUID = 1L;

        Sha256Mismatch(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Hashes (sha256, and into {@code alsoHashed} when not null), decrypts and extracts {@code source} into {@code dir}
     * in one pass, reading it to its end. When the hash differs from {@code expectedSha256} (when not null) this
     * throws {@link Sha256Mismatch}, also when the bad bytes showed first as a failed tag or a broken archive (the rest
     * is then read to tell a corrupt copy from a wrong key); any failure removes {@code dir}.
     */
    private static ExtractResult extractVerified(InputStream source, String name, String expectedSha256, OutputStream alsoHashed,
                                                 BackupCipher cipher, org.ipfsbackup.crypto.WrappedKey manifestKey, Path dir,
                                                 org.ipfsbackup.archive.CompressionCodec codec, long size) throws IOException {
        org.ipfsbackup.crypto.GcmWarmUp.beforeBulk(size);
        MessageDigest md = expectedSha256 == null ? null : sha256();
        InputStream teed = alsoHashed == null ? source : new org.apache.commons.io.input.TeeInputStream(source, alsoHashed);
        InputStream hashed = md == null ? teed : new java.security.DigestInputStream(teed, md);
        try {
            ExtractResult r;
            try {
                InputStream in = cipher.decryptingStream(hashed, manifestKey);
                r = new TarGzExtractor(ExtractLimits.defaults(), codec).extract(in, dir);
                // read to the end: the final segment's tag is checked only there
                if (in.read() != -1) {
                    throw new IOException(name + ": data after the end of the archive");
                }
            } catch (IOException | RuntimeException ex) {
                if (md != null) {
                    hashed.transferTo(OutputStream.nullOutputStream());
                    checkSha256(md, expectedSha256, name, ex);
                }
                throw ex;
            }
            hashed.transferTo(OutputStream.nullOutputStream()); // every byte is in the hashes
            if (md != null) {
                checkSha256(md, expectedSha256, name, null);
            }
            return r;
        } catch (IOException | RuntimeException e) {
            org.ipfsbackup.job.WorkDirectories.deleteTree(dir);
            throw e;
        }
    }

    private static void checkSha256(MessageDigest md, String expected, String name, Throwable firstSign) throws Sha256Mismatch {
        String actual = HexFormat.of().formatHex(md.digest());
        if (!expected.equalsIgnoreCase(actual)) {
            throw new Sha256Mismatch("sha256 of " + name + " is " + actual + " but the manifest says " + expected
                    + ": the copy is corrupt or not the recorded backup; what was extracted to the work directory was removed, nothing else was written",
                    firstSign);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
