package org.ipfsbackup.cli;

import java.util.ArrayList;
import java.util.List;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.restore.BackupVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup verify all"},
        description = "Download a backup (or all), check its sha256, decrypt every byte and list the archive; exit 1 on any failure.")
class VerifyCommand extends CliCommand.Configured {
    @Parameters(index = "0", paramLabel = "CID|all")
    String what;

    @Option(names = "--node", paramLabel = "URL")
    List<String> nodes = new ArrayList<>();

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
        BackupVerifier verifier = new BackupVerifier(ctx.fetcher(), cipher, ctx.workDir());
        for (ManifestEntry e : targets) {
            BackupVerifier.Result r = verifier.verify(e);
            if (!r.ok()) {
                failed++;
            }
            out().printf("%-7s %s %s  %s%n", r.ok() ? "OK" : "FAILED", e.type(), e.cid(), r.summary());
        }
        return failed == 0 ? 0 : 1;
    }
}
