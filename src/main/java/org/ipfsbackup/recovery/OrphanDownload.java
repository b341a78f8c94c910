package org.ipfsbackup.recovery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptedFileHeader;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.restore.BackupFetcher;

/**
 * An orphaned pin downloaded from an IPFS node (CID recomputed by the fetcher) into a temporary folder of its own under
 * the work directory, with its encryption header read; closing removes the folder. Shared by adoption and the manifest
 * reader.
 */
final class OrphanDownload implements AutoCloseable {
    private final Path dir;
    final Path file;
    final BackupFetcher.Download download;
    final EncryptedFileHeader header;

    private OrphanDownload(Path dir, Path file, BackupFetcher.Download download, EncryptedFileHeader header) {
        this.dir = dir;
        this.file = file;
        this.download = download;
        this.header = header;
    }

    /**
     * @param kind   names the folder and the file ({@code adopt}, {@code manifest})
     * @param notNow the exception thrown when no node gives it now (it is decided again later)
     */
    static OrphanDownload fetch(BackupFetcher fetcher, Path workDir, String kind, String cid,
                                BiFunction<String, Throwable, ? extends Exception> notNow) throws Exception {
        Files.createDirectories(workDir);
        Path dir = Files.createTempDirectory(workDir, WorkDirectories.PREFIX + kind + "-");
        try {
            Path file = dir.resolve(kind + ".enc");
            BackupFetcher.Download d;
            try {
                d = fetcher.download(cid, null, file);
            } catch (IOException | RuntimeException e) {
                throw notNow.apply("cannot be downloaded now (" + e.getMessage() + ")", e);
            }
            try (InputStream in = Files.newInputStream(file)) {
                return new OrphanDownload(dir, file, d, BackupCipher.readHeader(in));
            }
        } catch (Exception e) {
            WorkDirectories.deleteTree(dir);
            throw e;
        }
    }

    @Override
    public void close() {
        WorkDirectories.deleteTree(dir);
    }
}
