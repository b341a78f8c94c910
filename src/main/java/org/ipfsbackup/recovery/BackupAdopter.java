package org.ipfsbackup.recovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.ipfsbackup.archive.CompressionCodec;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptedFileHeader;
import org.ipfsbackup.mongo.OplogPosition;
import org.ipfsbackup.ipfs.ClusterPin;
import org.ipfsbackup.ipfs.PinStatus;
import org.ipfsbackup.manifest.BackupInfo;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.restore.BackupFetcher;

/**
 * Adopts an orphaned upload (kill -9 between upload and manifest insert) when it proves to be a whole backup of ours:
 * downloaded from an IPFS node (CID recomputed from the bytes), decrypted to the end with our keys (every segment
 * authenticated), its archive read to the end, with an {@value BackupInfo#FILE_NAME} naming the same file, pinned on
 * every allocated peer, and fitting the manifest: no entry for the same file name, and for an incremental, its
 * previous backup recorded, ending where it starts, and not already followed by another incremental (adopting it
 * would fork the chain). Then the entry the record step would have written is recorded. Anything else throws an
 * exception whose message says why; {@link OrphanPins} then unpins the upload and reports that reason.
 */
public final class BackupAdopter implements Adopter {

    /** Inserts an adopted entry into the manifest. */
    @FunctionalInterface
    public interface Recorder {
        void record(ManifestEntry e) throws Exception;
    }

    private final BackupFetcher fetcher;
    private final BackupCipher cipher;
    private final Function<String, CompressionCodec> codecForFileName;
    private final Function<String, PinStatus> status;
    private final Supplier<List<ManifestEntry>> manifest;
    private final Recorder recorder;
    private final int replication;
    private final Path workDir;

    public BackupAdopter(BackupFetcher fetcher, BackupCipher cipher, Function<String, CompressionCodec> codecForFileName,
                         Function<String, PinStatus> status, Supplier<List<ManifestEntry>> manifest, Recorder recorder, int replication,
                         Path workDir) {
        this.fetcher = Objects.requireNonNull(fetcher);
        this.cipher = Objects.requireNonNull(cipher);
        this.codecForFileName = Objects.requireNonNull(codecForFileName);
        this.status = Objects.requireNonNull(status);
        this.manifest = Objects.requireNonNull(manifest);
        this.recorder = Objects.requireNonNull(recorder);
        this.replication = replication;
        this.workDir = Objects.requireNonNull(workDir);
    }

    @Override
    public boolean adopt(ClusterPin pin) throws Exception {
        try (OrphanDownload download = OrphanDownload.fetch(fetcher, workDir, "adopt", pin.cid(), Deferred::new)) {
            EncryptedFileHeader header = download.header;
            BackupFetcher.Download d = download.download;
            Path enc = download.file;
            Read r = read(enc, codecForFileName.apply(pin.name()));
            BackupInfo info = r.info().orElseThrow(() -> new IOException("the archive has no " + BackupInfo.FILE_NAME
                    + " (written by versions before adoption existed): what it holds cannot be placed in the manifest"));
            if (!info.name().equals(pin.name())) {
                throw new IOException("the archive describes " + info.name() + ", not " + pin.name());
            }
            checkFits(info);
            PinStatus s = status.apply(pin.cid());
            if (!s.pinnedOnAll(replication)) {
                if (s.failures().isEmpty()) {
                    // still pinning (or a peer is away): decided at the next start, not unpinned now
                    throw new Deferred("verified but not pinned on every allocated peer yet: " + s.describe(), null);
                }
                throw new IOException("not pinned on every allocated peer: " + String.join("; ", s.failures()));
            }
            recorder.record(info.toEntry(pin.cid(), d.bytes(), d.sha256(), s.pinnedPeers(), codecForFileName.apply(pin.name()).name(),
                    header.keyId(), header.dataKey().map(k -> k.encode()).orElse(null), r.contentBytes()));
            return true;
        }
    }

    private void checkFits(BackupInfo info) throws IOException {
        List<ManifestEntry> entries = manifest.get();
        for (ManifestEntry e : entries) {
            if (info.name().equals(e.fileName()) && ManifestEntry.COMPLETE.equals(e.status())) {
                throw new IOException("the manifest already holds a backup named " + info.name() + " (" + e.cid() + ")");
            }
        }
        if (!"incremental".equals(info.type())) {
            return;
        }
        if (info.previous() == null) {
            throw new IOException("an incremental that names no previous backup");
        }
        ManifestEntry previous = entries.stream().filter(e -> e.cid().equals(info.previous()) && ManifestEntry.COMPLETE.equals(e.status()))
                .findFirst().orElseThrow(() -> new IOException("its previous backup " + info.previous() + " is not a complete backup in the manifest"));
        // it holds the oplog entries after its previous backup's end
        if (info.oplogStart() != null && previous.oplogEnd() != null
                && OplogPosition.parse(info.oplogStart()).compareTo(OplogPosition.parse(previous.oplogEnd())) <= 0) {
            throw new IOException("it starts at oplog position " + info.oplogStart() + ", not after its previous backup's end " + previous.oplogEnd());
        }
        for (ManifestEntry e : entries) {
            if (info.previous().equals(e.previous()) && ManifestEntry.COMPLETE.equals(e.status())) {
                throw new IOException("another incremental (" + e.fileName() + ") already follows " + info.previous()
                        + ": adopting this one would fork the chain");
            }
        }
    }

    private record Read(Optional<BackupInfo> info, long contentBytes) {
    }

    /** Decrypts and decompresses the whole file, reading the archive to its end; keeps ipfs-backup.json. */
    private Read read(Path enc, CompressionCodec codec) throws IOException {
        BackupInfo info = null;
        long content = 0;
        try (InputStream plain = cipher.decryptingStream(Files.newInputStream(enc));
             InputStream unpacked = codec.decompress(plain);
             TarArchiveInputStream tar = new TarArchiveInputStream(unpacked)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                if (name.equals(BackupInfo.FILE_NAME)) {
                    if (e.getSize() > 1 << 20) {
                        throw new IOException(BackupInfo.FILE_NAME + " is " + e.getSize() + " bytes: not one of ours");
                    }
                    byte[] b = tar.readAllBytes();
                    content += b.length; // archived like every other file: part of the archive's content bytes
                    info = BackupInfo.read(new java.io.ByteArrayInputStream(b));
                } else {
                    content += tar.transferTo(OutputStream.nullOutputStream());
                }
            }
            unpacked.transferTo(OutputStream.nullOutputStream());
            plain.transferTo(OutputStream.nullOutputStream()); // to the end: the last segment's tag
        }
        return new Read(Optional.ofNullable(info), content);
    }
}
