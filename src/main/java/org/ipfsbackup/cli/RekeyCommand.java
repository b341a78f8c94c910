package org.ipfsbackup.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ipfsbackup.camel.BackupApplication;
import org.ipfsbackup.manifest.ManifestRekey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "rekey", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup rekey --dry-run"},
        description = "Key rotation: re-wrap every backup's data key in the manifest under the current key "
        + "(BACKUP_ENCRYPTION_KEY); retired keys come from the keyring. Nothing is re-uploaded; a new manifest version is "
        + "published. Safe to interrupt and to run again. Exit 1 when an entry could not be re-wrapped.")
class RekeyCommand extends CliCommand.Configured {
    @Option(names = "--dry-run", description = "count what would be re-wrapped, change nothing")
    boolean dryRun;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        var err = err();
        try (BackupApplication app = options.start(false)) {
            BackupApplication.RekeyOutcome o = app.runRekey(dryRun);
            if (o.skipped() != null) {
                err.println("rekey skipped: " + o.skipped());
                return 1;
            }
            ManifestRekey.Result r = o.result();
            if (r != null) {
                if (json.on) {
                    Map<String, Object> j = new LinkedHashMap<>();
                    j.put("dryRun", r.dryRun());
                    j.put("keyId", r.keyId());
                    j.put("rewrapped", r.rewrapped());
                    j.put("alreadyCurrent", r.alreadyCurrent());
                    j.put("oldFormat", r.oldFormat());
                    j.put("deleted", r.deleted());
                    j.put("failed", r.failed());
                    j.put("manifestCid", o.manifestCid());
                    json.print(out(), j);
                } else {
                    out().println(r.summary());
                    r.failed().forEach((cid, why) -> err.println("failed " + cid + ": " + why));
                }
            }
            if (o.failure() != null) {
                err.println("rekey failed: " + o.failure());
                return 1;
            }
            if (o.manifestCid() != null) {
                err.println("new manifest version: " + o.manifestCid());
            }
            return r != null && !r.failed().isEmpty() ? 1 : 0;
        }
    }
}
