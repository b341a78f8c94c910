package org.ipfsbackup.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks a tar.gz (as written by {@link TarGzArchiver}, or by GNU tar) into an empty directory, refusing
 * anything that could write outside it or exhaust the disk. Streaming: memory does not depend on the archive's
 * size.
 *
 * <p>Refused, with an {@link UnsafeArchiveException} naming the entry and the rule:
 * absolute names, any {@code ..} component, names resolving outside the target, symbolic and hard links (where
 * ever they point), device files, FIFOs, sparse files and other special types, a name that is already present
 * (duplicates are not silently overwritten), a file larger than {@link ExtractLimits#maxEntryBytes()}, files
 * adding up to more than {@link ExtractLimits#maxTotalBytes()}, and more than {@link ExtractLimits#maxEntries()}
 * entries. Limits are checked against each entry's header before its content is read.
 *
 * <p>All or nothing: on any failure (including a corrupt or truncated stream) everything this call created is
 * removed again, and so is the target directory if this call created it. Regular files get the entry's
 * modification time; modes and ownership from the archive are not applied.
 */
public final class TarGzExtractor {

    private static final int BUFFER = 64 * 1024;
    private static final int MAX_TRAILING = 1 << 20;

    private final ExtractLimits limits;
    private final CompressionCodec codec;

    /** Reads gzip or zstd, whichever the archive's magic bytes show ({@link Compression#detecting()}). */
    public TarGzExtractor(ExtractLimits limits) {
        this(limits, Compression.detecting());
    }

    /** Reads archives with the given codec (e.g. {@link Compression#forReading} for what the manifest says). */
    public TarGzExtractor(ExtractLimits limits, CompressionCodec codec) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Extracts into {@code targetDir}, which must not exist or be an empty directory. The input stream is read
     * up to the end of the tar archive and not closed.
     */
    public ExtractResult extract(InputStream tarGz, Path targetDir) throws IOException {
        List<Path> created = new ArrayList<>();
        prepareTarget(targetDir, created);
        try {
            return extractInto(tarGz, targetDir.toRealPath(), created);
        } catch (IOException | RuntimeException | Error e) {
            removeCreated(created, e);
            throw e;
        }
    }

    /** Lists the entries without writing anything (entry count limited by {@link ExtractLimits#maxEntries()}). */
    public List<ArchiveEntryInfo> list(InputStream tarGz) throws IOException {
        List<ArchiveEntryInfo> entries = new ArrayList<>();
        try (InputStream decompressed = ReadAheadInputStream.start(codec.decompress(tarGz))) {
            TarArchiveInputStream tar = new TarArchiveInputStream(decompressed, "UTF-8");
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (entries.size() >= limits.maxEntries()) {
                    throw new UnsafeArchiveException(entry.getName(), "more than " + limits.maxEntries() + " entries");
                }
                entries.add(new ArchiveEntryInfo(entry.getName(), entry.isFile() ? entry.getSize() : 0, entry.isDirectory()));
            }
            readToEnd(decompressed);
        }
        return entries;
    }

    private ExtractResult extractInto(InputStream tarGz, Path root, List<Path> created) throws IOException {
        // decrypting and decompressing on one thread, tar and the files on this one (closing stops that thread only)
        try (InputStream decompressed = ReadAheadInputStream.start(codec.decompress(tarGz))) {
            return extractFrom(decompressed, root, created);
        }
    }

    private ExtractResult extractFrom(InputStream decompressed, Path root, List<Path> created) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(decompressed, "UTF-8");
        byte[] buffer = new byte[BUFFER];
        int entries = 0;
        int files = 0;
        long total = 0;
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            String name = entry.getName();
            if (++entries > limits.maxEntries()) {
                throw new UnsafeArchiveException(name, "more than " + limits.maxEntries() + " entries");
            }
            List<String> parts = safeComponents(name);
            checkType(entry);
            if (entry.isDirectory()) {
                if (!parts.isEmpty()) {
                    makeDirectories(root, parts, parts.size(), name, created);
                }
                continue;
            }
            if (parts.isEmpty()) {
                throw new UnsafeArchiveException(name, "file entry without a name");
            }
            long size = entry.getSize();
            if (size > limits.maxEntryBytes()) {
                throw new UnsafeArchiveException(name, "size " + size + " exceeds the per-entry limit of " + limits.maxEntryBytes() + " bytes");
            }
            if (size > limits.maxTotalBytes() - total) {
                throw new UnsafeArchiveException(name, "total size would exceed the limit of " + limits.maxTotalBytes() + " bytes");
            }
            Path parent = makeDirectories(root, parts, parts.size() - 1, name, created);
            Path file = parent.resolve(parts.get(parts.size() - 1));
            requireInside(root, file, name);
            OutputStream out;
            try {
                out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (FileAlreadyExistsException e) {
                throw new UnsafeArchiveException(name, "duplicate entry: the path already exists");
            }
            created.add(file);
            long copied = 0;
            try (out) {
                int n;
                while ((n = tar.read(buffer)) > 0) {
                    copied += n;
                    if (copied > size) {
                        throw new UnsafeArchiveException(name, "content longer than its header's size " + size);
                    }
                    out.write(buffer, 0, n);
                }
            }
            if (copied != size) {
                throw new IOException("archive truncated in entry '" + name + "': " + copied + " of " + size + " bytes");
            }
            Files.setLastModifiedTime(file, entry.getLastModifiedTime());
            files++;
            total += size;
        }
        readToEnd(decompressed);
        return new ExtractResult(files, total);
    }

    /**
     * Reads the compressed stream to its end after the tar archive's end: so the codec checks its trailer (gzip's
     * CRC-32 and length, zstd's checksum) and the caller's stream is consumed up to the compressed data's end.
     * Tar pads to its record size (10 KiB); more than {@value #MAX_TRAILING} bytes after the end are refused.
     */
    private static void readToEnd(InputStream decompressed) throws IOException {
        byte[] skip = new byte[8192];
        long trailing = 0;
        int n;
        while ((n = decompressed.read(skip)) >= 0) {
            trailing += n;
            if (trailing > MAX_TRAILING) {
                throw new UnsafeArchiveException("(after the end)", "more than " + MAX_TRAILING + " bytes after the end of the tar archive");
            }
        }
    }

    /** The name's path components, with empty and {@code .} components dropped. */
    static List<String> safeComponents(String name) throws UnsafeArchiveException {
        if (name == null || name.isEmpty()) {
            throw new UnsafeArchiveException(String.valueOf(name), "empty name");
        }
        if (name.indexOf('\0') >= 0) {
            throw new UnsafeArchiveException(name, "NUL character in name");
        }
        if (name.startsWith("/")) {
            throw new UnsafeArchiveException(name, "absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new UnsafeArchiveException(name, "parent directory reference '..' in path");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return parts;
    }

    private static void checkType(TarArchiveEntry entry) throws UnsafeArchiveException {
        String name = entry.getName();
        if (entry.isSymbolicLink()) {
            throw new UnsafeArchiveException(name, "symbolic link (to '" + entry.getLinkName() + "') is not allowed");
        }
        if (entry.isLink()) {
            throw new UnsafeArchiveException(name, "hard link (to '" + entry.getLinkName() + "') is not allowed");
        }
        if (entry.isCharacterDevice() || entry.isBlockDevice()) {
            throw new UnsafeArchiveException(name, "device file is not allowed");
        }
        if (entry.isFIFO()) {
            throw new UnsafeArchiveException(name, "FIFO is not allowed");
        }
        if (entry.isSparse()) {
            throw new UnsafeArchiveException(name, "sparse file is not supported");
        }
        if (!entry.isDirectory() && !entry.isFile()) {
            throw new UnsafeArchiveException(name, "unsupported entry type '" + (char) entry.getLinkFlag() + "'");
        }
    }

    /** Creates {@code root/parts[0..count)} one level at a time, refusing to pass through anything but directories. */
    private static Path makeDirectories(Path root, List<String> parts, int count, String name, List<Path> created)
            throws IOException {
        Path dir = root;
        for (int i = 0; i < count; i++) {
            dir = dir.resolve(parts.get(i));
            requireInside(root, dir, name);
            if (Files.isSymbolicLink(dir)) {
                throw new UnsafeArchiveException(name, "path passes through a symbolic link");
            }
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                throw new UnsafeArchiveException(name, "path component '" + parts.get(i) + "' is already a file");
            }
            created.add(dir);
        }
        return dir;
    }

    private static void requireInside(Path root, Path path, String name) throws UnsafeArchiveException {
        Path normalized = path.normalize();
        if (!normalized.startsWith(root) || normalized.equals(root)) {
            throw new UnsafeArchiveException(name, "resolves outside the target directory");
        }
    }

    private static void prepareTarget(Path targetDir, List<Path> created) throws IOException {
        if (Files.exists(targetDir, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(targetDir)) {
            if (!Files.isDirectory(targetDir)) {
                throw new IOException("extract target is not a directory: " + targetDir);
            }
            try (DirectoryStream<Path> children = Files.newDirectoryStream(targetDir)) {
                if (children.iterator().hasNext()) {
                    throw new IOException("extract target directory is not empty: " + targetDir);
                }
            }
            return;
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = targetDir.toAbsolutePath(); p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.add(0, p);
        }
        for (Path p : missing) {
            Files.createDirectory(p);
            created.add(p);
        }
    }

    /** Deletes, newest first, every path this extraction created; failures are attached to {@code cause}. */
    private static void removeCreated(List<Path> created, Throwable cause) {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(created.get(i));
            } catch (NoSuchFileException ignored) {
                // already gone
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
