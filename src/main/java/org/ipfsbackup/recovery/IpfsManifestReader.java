package org.ipfsbackup.recovery;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.manifest.ManifestFile;
import org.ipfsbackup.manifest.ManifestVersions;
import org.ipfsbackup.restore.BackupFetcher;

/**
 * Reads one manifest version from an IPFS node (CID recomputed by the fetcher) and decrypts it with the keyring. When
 * it cannot be told now (no node gives it; it is in our format but under a key that is not in the keyring) it throws
 * {@link ManifestVersions.Undecided}; anything else that fails means it is not a manifest of ours.
 */
public final class IpfsManifestReader implements ManifestOrphans.Reader {
    private final BackupFetcher fetcher;
    private final BackupCipher cipher;
    private final Path workDir;

    public IpfsManifestReader(BackupFetcher fetcher, BackupCipher cipher, Path workDir) {
        this.fetcher = Objects.requireNonNull(fetcher);
        this.cipher = Objects.requireNonNull(cipher);
        this.workDir = Objects.requireNonNull(workDir);
    }

    @Override
    public ManifestFile read(String cid) throws Exception {
        try (OrphanDownload d = OrphanDownload.fetch(fetcher, workDir, "manifest", cid, ManifestVersions.Undecided::new)) {
            String keyId = d.header.keyId();
            if (keyId != null && cipher.keys().find(keyId).isEmpty()) {
                throw new ManifestVersions.Undecided("encrypted under key " + keyId + ", which is not in the keyring", null);
            }
            try (InputStream in = cipher.decryptingStream(Files.newInputStream(d.file))) {
                return ManifestFile.read(in);
            }
        }
    }
}
