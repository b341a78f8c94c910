package org.ipfsbackup.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ipfsbackup.manifest.ManifestEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "download", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup download bafybei... -o backup.tar.gz.enc"},
        description = "Download a backup from an IPFS node (Kubo RPC cat, failing over between nodes) and check its sha256 against the manifest.")
class DownloadCommand extends CliCommand.Configured {
    @Parameters(index = "0", paramLabel = "CID")
    String cid;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE")
    Path output;

    @Option(names = "--node", paramLabel = "URL", description = "Kubo RPC URL(s) to use instead of ipfs.nodes (repeatable, tried in order)")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--sha256", paramLabel = "HEX", description = "expected sha256 (default: from the manifest in MongoDB)")
    String sha256;

    @Override
    public Integer call() throws Exception {
        RecoveryContext ctx = new RecoveryContext(options, nodes);
        ManifestEntry entry = sha256 != null ? null : ctx.manifestFromMongo(null).stream().filter(e -> e.cid().equals(cid))
                .findFirst().orElseThrow(() -> new IllegalArgumentException(
                        "CID " + cid + " is not in the manifest: pass --sha256 to download it anyway"));
        String expected = sha256 != null ? sha256.toLowerCase() : entry.sha256();
        long t0 = System.nanoTime();
        var d = ctx.nodeFetcher().download(cid, expected, output, entry == null ? -1 : entry.size());
        err().printf("downloaded %s from %s: %d bytes in %d ms, sha256 matches the manifest, CID %s%n", cid, d.node(),
                d.bytes(), (System.nanoTime() - t0) / 1_000_000, d.cidRecomputed() ? "recomputed and matching" : "not recomputable (other add parameters)");
        out().println(d.sha256());
        return 0;
    }
}
