package org.ipfsbackup.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.io.output.CloseShieldOutputStream;
import org.apache.commons.io.output.CountingOutputStream;

/**
 * Writes a directory tree (a mongodump directory) as a streaming tar.gz. Memory use does not depend on the
 * size or number of files: each file is copied through a fixed buffer.
 *
 * <p>Archive layout:
 * <ul>
 *   <li>entry names are relative to the source directory, with {@code /} separators; the source directory
 *       itself is not an entry; directories end with {@code /};</li>
 *   <li>entries are in tree order: a directory, then its children sorted by name (UTF-16 order of
 *       {@link String#compareTo}), each subdirectory recursively — so the same tree always gives the same
 *       sequence of entries;</li>
 *   <li>only directories and regular files; a symbolic link or special file anywhere in the tree fails the
 *       archive with an {@link IOException} naming it (a dump never contains them, and following them could
 *       archive data from outside the dump);</li>
 *   <li>POSIX (pax) headers for long or non-ASCII names and for files of 8 GiB and more, readable by GNU and
 *       BSD tar;</li>
 *   <li>ownership is cleared (uid/gid 0, no user/group names) and modes are normalised to 0644 for files and
 *       0755 for directories; modification times are kept (whole seconds), as they tell when mongodump wrote
 *       each file. Two archives of the same tree therefore differ only if the files' mtimes differ.</li>
 * </ul>
 * A file whose size changes while it is being archived fails the archive rather than producing an entry that
 * does not match its header.
 */
public final class TarGzArchiver {

    private static final int BUFFER = 64 * 1024;

    private final CompressionCodec codec;

    /** @param gzipLevel 1 (fastest) to 9 (smallest); the configuration default is {@value GzipCodec#DEFAULT_LEVEL} */
    public TarGzArchiver(int gzipLevel) {
        this(new GzipCodec(gzipLevel));
    }

    /** The codec's name ({@code gzip}, {@code zstd}), as the manifest records it. */
    public String compression() {
        return codec.name();
    }

    /** Uses another compression for the tar stream. */
    public TarGzArchiver(CompressionCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Archives {@code sourceDir} into {@code targetFile} (created or replaced). The target must not lie inside
     * the source directory. On failure the partial target file is deleted.
     */
    public ArchiveResult archive(Path sourceDir, Path targetFile) throws IOException {
        Path source = requireDirectory(sourceDir);
        Path target = targetFile.toAbsolutePath().normalize();
        Path targetParent = target.getParent();
        Path realTarget = targetParent != null && Files.isDirectory(targetParent)
                ? targetParent.toRealPath().resolve(target.getFileName()) : target;
        if (realTarget.startsWith(source)) {
            throw new IllegalArgumentException("archive target " + targetFile + " must not be inside the source directory " + sourceDir);
        }
        boolean done = false;
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ArchiveResult result = write(source, out);
            done = true;
            return result;
        } finally {
            if (!done) {
                Files.deleteIfExists(target);
            }
        }
    }

    /** Archives {@code sourceDir} to {@code out}, which is flushed but left open. */
    public ArchiveResult archive(Path sourceDir, OutputStream out) throws IOException {
        return write(requireDirectory(sourceDir), out);
    }

    private ArchiveResult write(Path source, OutputStream out) throws IOException {
        // commons-io: counts the compressed bytes; the shield keeps the caller's stream open when tar closes
        CountingOutputStream counting = new CountingOutputStream(CloseShieldOutputStream.wrap(out));
        Totals totals = new Totals();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(codec.compress(counting), "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            writeChildren(tar, source, "", new byte[BUFFER], totals);
            tar.finish();
        }
        out.flush();
        return new ArchiveResult(totals.files, totals.bytes, counting.getByteCount());
    }

    private void writeChildren(TarArchiveOutputStream tar, Path dir, String prefix, byte[] buffer, Totals totals)
            throws IOException {
        for (Path child : sortedChildren(dir)) {
            String name = prefix + child.getFileName().toString();
            BasicFileAttributes attrs = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attrs.isSymbolicLink()) {
                throw new IOException("refusing to archive symbolic link " + name + " (in " + dir + ")");
            } else if (attrs.isDirectory()) {
                TarArchiveEntry entry = new TarArchiveEntry(name + "/");
                entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE); // 040755
                stamp(entry, attrs.lastModifiedTime());
                tar.putArchiveEntry(entry);
                tar.closeArchiveEntry();
                writeChildren(tar, child, name + "/", buffer, totals);
            } else if (attrs.isRegularFile()) {
                writeFile(tar, child, name, attrs, buffer);
                totals.files++;
                totals.bytes += attrs.size();
            } else {
                throw new IOException("refusing to archive special file " + name + " (in " + dir + "): only directories and regular files are archived");
            }
        }
    }

    private static void writeFile(TarArchiveOutputStream tar, Path file, String name, BasicFileAttributes attrs,
            byte[] buffer) throws IOException {
        long size = attrs.size();
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE); // 0100644
        entry.setSize(size);
        stamp(entry, attrs.lastModifiedTime());
        tar.putArchiveEntry(entry);
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            long remaining = size;
            while (remaining > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new IOException("file " + name + " shrank while being archived (expected " + size + " bytes)");
                }
                tar.write(buffer, 0, n);
                remaining -= n;
            }
            if (in.read() >= 0) {
                throw new IOException("file " + name + " grew while being archived (expected " + size + " bytes)");
            }
        }
        tar.closeArchiveEntry();
    }

    private static void stamp(TarArchiveEntry entry, FileTime mtime) {
        entry.setModTime(FileTime.from(mtime.to(TimeUnit.SECONDS), TimeUnit.SECONDS));
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
    }

    private static List<Path> sortedChildren(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return children;
    }

    private static Path requireDirectory(Path sourceDir) throws IOException {
        if (!Files.isDirectory(sourceDir)) {
            throw new IOException("archive source is not a directory: " + sourceDir);
        }
        return sourceDir.toRealPath();
    }

    private static final class Totals {
        int files;
        long bytes;
    }
}
