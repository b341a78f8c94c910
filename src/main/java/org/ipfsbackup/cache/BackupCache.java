package org.ipfsbackup.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local directory of uploaded backups' encrypted files (ciphertext, safe at rest), one file per backup named by its
 * CID, for restores without a download. Files come in by hard link (or move) from the job's work directory, never
 * through memory; the oldest kept file is evicted first while the directory holds more than {@code maxBytes}, so the
 * newest chains stay. A file is served only when its sha256 equals the one the caller expects (the manifest's); one
 * that does not is removed with a WARN and the caller downloads from the cluster instead.
 */
public final class BackupCache {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.cache");
    /** CIDs are base32/base58 text: nothing else becomes a file name here (no path separators, no dot files). */
    private static final Pattern CID = Pattern.compile("[A-Za-z0-9]{10,200}");
    private static final String TEMP_PREFIX = ".part-";

    private final Path dir;
    private final long maxBytes;
    private final Clock clock;

    public BackupCache(Path dir, long maxBytes, Clock clock) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("cache size cap must be positive, got " + maxBytes);
        }
        this.dir = dir.toAbsolutePath();
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    public Path dir() {
        return dir;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** What {@link #put} did: whether the file is kept, and the CIDs evicted to make room. */
    public record Put(boolean kept, long bytes, List<String> evicted) {
    }

    /**
     * Takes {@code file} (a finished upload's encrypted file, which the caller no longer needs under its own name) into
     * the cache as {@code cid}: hard-linked, or moved where a link is impossible (another file system). Then evicts
     * the oldest files until the cache fits its cap. A file larger than the whole cap is not kept.
     */
    public synchronized Put put(String cid, Path file) throws IOException {
        checkCid(cid);
        long size = Files.size(file);
        if (size > maxBytes) {
            LOG.info("cache: {} ({} bytes) is larger than the whole cache ({} bytes): not kept", cid, size, maxBytes);
            return new Put(false, size, List.of());
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve(TEMP_PREFIX + cid + "-" + UUID.randomUUID());
        try {
            try {
                Files.createLink(tmp, file);
            } catch (FileSystemException | UnsupportedOperationException e) {
                Files.move(file, tmp); // another file system: the work directory's copy is not needed any more
            }
            // newest by the time it was kept (a hard link shares the encrypted file's own time)
            Files.setLastModifiedTime(tmp, FileTime.from(clock.instant()));
            moveAtomically(tmp, dir.resolve(cid));
        } finally {
            Files.deleteIfExists(tmp);
        }
        List<String> evicted = evict(cid);
        LOG.info("cache: kept {} ({} bytes){}", cid, size, evicted.isEmpty() ? "" : "; evicted the oldest: " + evicted);
        return new Put(true, size, evicted);
    }

    /**
     * Puts the cached file of {@code cid} at {@code target} when its sha256 equals {@code expectedSha256} (hard link,
     * or a copy hashed on the way where a link is impossible) and returns its size. Empty when there is none, or it
     * does not match (then it is removed, with a WARN), or it cannot be read: the caller downloads instead. Never throws.
     */
    public Optional<Long> readInto(String cid, String expectedSha256, Path target) {
        Optional<Path> found = expectedSha256 == null ? Optional.empty() : find(cid);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Path cached = found.get();
        Path tmp = target.resolveSibling(target.getFileName() + ".cached");
        try {
            String actual;
            try {
                Files.createLink(tmp, cached);
                actual = sha256(tmp, null);
            } catch (FileSystemException | UnsupportedOperationException e) {
                if (e instanceof NoSuchFileException && !Files.exists(cached)) {
                    return Optional.empty(); // evicted meanwhile
                }
                Files.deleteIfExists(tmp);
                actual = sha256(cached, tmp); // another file system: copied while hashed, one read
            }
            if (!expectedSha256.equalsIgnoreCase(actual)) {
                LOG.warn("cache: the cached file of {} has sha256 {} but the manifest says {}: corrupt or truncated, removed; "
                        + "downloading from the cluster instead", cid, actual, expectedSha256);
                Files.deleteIfExists(cached);
                return Optional.empty();
            }
            long size = Files.size(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            LOG.info("cache: {} read from the local cache ({} bytes, sha256 matches the manifest): no download", cid, size);
            return Optional.of(size);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cache: could not read the cached file of {} ({}): downloading from the cluster instead", cid, e.toString());
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                LOG.warn("cache: could not remove {}: {}", tmp, e.toString());
            }
        }
    }

    /**
     * The cached file of {@code cid}, unchecked, for a reader that hashes it as it reads it (a restore decrypting it
     * in one pass) and calls {@link #discard} when the hash does not match. Empty when there is none.
     */
    public Optional<Path> find(String cid) {
        if (!CID.matcher(cid).matches()) {
            return Optional.empty();
        }
        Path cached = dir.resolve(cid);
        if (!Files.isRegularFile(cached)) {
            LOG.debug("cache: {} not cached", cid);
            return Optional.empty();
        }
        return Optional.of(cached);
    }

    /** Removes the cached file of {@code cid} that {@link #find} gave and its reader found wrong (a WARN says why). */
    public synchronized void discard(String cid, String why) {
        LOG.warn("cache: the cached file of {} is not the recorded backup ({}): removed; downloading from the cluster instead", cid, why);
        try {
            if (CID.matcher(cid).matches()) {
                Files.deleteIfExists(dir.resolve(cid));
            }
        } catch (IOException e) {
            LOG.warn("cache: could not remove the cached file of {}: {}", cid, e.toString());
        }
    }

    /** Removes the cached file of {@code cid} (its backup was deleted); true when there was one. */
    public synchronized boolean remove(String cid) throws IOException {
        if (!CID.matcher(cid).matches()) {
            return false;
        }
        boolean removed = Files.deleteIfExists(dir.resolve(cid));
        if (removed) {
            LOG.info("cache: removed {} (its backup was deleted)", cid);
        }
        return removed;
    }

    /** The cached files, oldest first. */
    public List<Cached> list() throws IOException {
        List<Cached> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!CID.matcher(name).matches()) {
                    continue;
                }
                try {
                    out.add(new Cached(name, Files.size(p), Files.getLastModifiedTime(p)));
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                }
            }
        }
        out.sort(Comparator.comparing(Cached::kept).thenComparing(Cached::cid));
        return out;
    }

    /** One cached file: its CID, size and when it was kept. */
    public record Cached(String cid, long bytes, FileTime kept) {
    }

    /** Bytes the cached files take. */
    public long bytes() throws IOException {
        return list().stream().mapToLong(Cached::bytes).sum();
    }

    /** Removes what an interrupted {@link #put} left (its temporary links); called at start-up. */
    public synchronized void removeLeftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Oldest first until the cache fits; never the file just kept (it is the newest and fits on its own). */
    private List<String> evict(String keep) throws IOException {
        List<Cached> files = list();
        long total = files.stream().mapToLong(Cached::bytes).sum();
        List<String> evicted = new ArrayList<>();
        for (Cached c : files) {
            if (total <= maxBytes) {
                break;
            }
            if (c.cid().equals(keep)) {
                continue;
            }
            Files.deleteIfExists(dir.resolve(c.cid()));
            total -= c.bytes();
            evicted.add(c.cid());
        }
        return evicted;
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** sha256 of {@code file}, copied to {@code copy} on the way when not null. */
    private static String sha256(Path file, Path copy) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file);
             OutputStream out = new DigestOutputStream(copy == null ? OutputStream.nullOutputStream() : Files.newOutputStream(copy), md)) {
            in.transferTo(out);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void checkCid(String cid) {
        if (cid == null || !CID.matcher(cid).matches()) {
            throw new IllegalArgumentException("not a CID: '" + cid + "'");
        }
    }
}
