package org.ipfsbackup.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ipfsbackup.manifest.ManifestEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup list", "  ipfs-backup list --json"},
        description = "List every backup in the manifest: type, time, CID, size, chain, state.")
class ListCommand extends CliCommand.Configured {
    @Option(names = "--manifest-cid", paramLabel = "CID", description = "read the manifest from IPFS instead of MongoDB (needs only this CID and the key)")
    String manifestCid;

    @Option(names = "--node", paramLabel = "URL", description = "Kubo RPC URL(s) for --manifest-cid")
    List<String> nodes = new ArrayList<>();

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        RecoveryContext ctx = new RecoveryContext(options, nodes);
        List<ManifestEntry> entries = manifestCid != null ? ctx.manifestFromIpfs(manifestCid, KeyOptions.cipher(options), err()::println)
                : ctx.manifestFromMongo(null);
        var out = out();
        Map<String, org.ipfsbackup.manifest.BackupChains.Window> windows = new LinkedHashMap<>();
        org.ipfsbackup.manifest.BackupChains.chainWindows(entries).forEach(w -> windows.put(w.fullCid(), w));
        if (json.on) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ManifestEntry e : entries) {
                Map<String, Object> r = new LinkedHashMap<>(BackupCommand.JSON.convertValue(e, Map.class));
                r.put("chain", chainOf(e));
                var w = windows.get(chainOf(e));
                r.put("chainWindow", w == null || w.empty() ? null : Map.of("from", w.from().toString(), "to", w.to().toString()));
                rows.add(r);
            }
            json.print(out(), rows);
        } else {
            out.printf("%-11s  %-24s  %-62s  %10s  %-14s  %s%n", "TYPE", "TIME (UTC)", "CID", "SIZE", "CHAIN", "STATE");
            for (ManifestEntry e : entries) {
                // a slice is an incremental of its chain (JSON: type incremental, slice true); the table names it
                out.printf("%-11s  %-24s  %-62s  %10s  %-14s  %s%n", e.isSliceEntry() ? "slice" : e.type(), e.timestamp(), e.cid(), org.ipfsbackup.status.HumanSize.of(e.size()),
                        abbreviate(chainOf(e)), e.status() + (e.deletedAt() != null ? " " + e.deletedAt() : "") + ", pinned on " + e.peers().size()
                                + (e.lastVerifiedAt() == null ? ", not verified yet" : ", verified " + e.lastVerifiedAt() + " "
                                + (e.verification() != null && e.verification().startsWith("ok") ? "ok" : "FAILED")));
            }
            if (!windows.isEmpty()) {
                out.println();
                out.println("restorable window of each chain (restore --at):");
                windows.values().forEach(w -> out.printf("  %-14s  %s%n", abbreviate(w.fullCid()),
                        w.empty() ? "none (only its newest state: restore latest)" : w.from() + " .. " + w.to()));
            }
        }
        return 0;
    }

    /** The full backup a backup belongs to (itself for a full). */
    static String chainOf(ManifestEntry e) {
        return e.isFull() ? e.cid() : e.baseBackup();
    }

    private static String abbreviate(String cid) {
        return cid == null ? "-" : cid.length() > 14 ? cid.substring(0, 6) + ".." + cid.substring(cid.length() - 6) : cid;
    }
}
