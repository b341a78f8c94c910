package org.ipfsbackup.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ipfsbackup.archive.ArchiveEntryInfo;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.TarGzExtractor;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.manifest.ManifestEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", description = "Download a backup (or all), check its sha256, decrypt every byte and list the archive; exit 1 on any failure.")
class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "CID|all")
    String what;

    @Option(names = "--node", paramLabel = "URL")
    List<String> nodes = new ArrayList<>();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RecoveryContext ctx = new RecoveryContext(options, nodes);
        BackupCipher cipher = KeyOptions.cipher(options);
        List<ManifestEntry> all = ctx.manifestFromMongo(null).stream().filter(e -> ManifestEntry.COMPLETE.equals(e.status())).toList();
        List<ManifestEntry> targets = "all".equals(what) ? all : all.stream().filter(e -> e.cid().equals(what)).toList();
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("all".equals(what) ? "the manifest holds no backup to verify" : "CID " + what + " is not in the manifest");
        }
        int failed = 0;
        Path dir = Files.createTempDirectory("ipfs-backup-verify");
        try {
            for (ManifestEntry e : targets) {
                try {
                    Path enc = dir.resolve(e.cid());
                    var d = ctx.fetcher().download(e.cid(), e.sha256(), enc);
                    List<ArchiveEntryInfo> entries;
                    try (InputStream in = cipher.decryptingStream(Files.newInputStream(enc))) {
                        entries = new TarGzExtractor(ExtractLimits.defaults()).list(in);
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    }
                    Files.delete(enc);
                    long bytes = entries.stream().mapToLong(ArchiveEntryInfo::size).sum();
                    spec.commandLine().getOut().printf("OK      %s %s  %d bytes from %s, sha256 ok, decrypted, %d archive entries (%d bytes)%n",
                            e.type(), e.cid(), d.bytes(), d.node(), entries.size(), bytes);
                } catch (Exception ex) {
                    failed++;
                    spec.commandLine().getOut().printf("FAILED  %s %s  %s%n", e.type(), e.cid(), Main.messageOf(ex));
                }
            }
        } finally {
            org.ipfsbackup.job.WorkDirectories.deleteTree(dir);
        }
        return failed == 0 ? 0 : 1;
    }
}
