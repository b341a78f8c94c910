package org.ipfsbackup.cli;

import com.mongodb.client.MongoClients;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.ipfsbackup.config.Durations;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.ipfs.KuboClient;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.manifest.ManifestRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "download", description = "Download a backup from an IPFS node (Kubo RPC cat, failing over between nodes) and check its sha256.")
class DownloadCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(index = "0", paramLabel = "CID")
    String cid;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE")
    Path output;

    @Option(names = "--node", paramLabel = "URL", description = "Kubo RPC URL(s) to use instead of ipfs.nodes (repeatable, tried in order)")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--sha256", paramLabel = "HEX", description = "expected sha256 (default: from the manifest in MongoDB)")
    String sha256;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var props = options.properties();
        List<URI> urls = nodes.isEmpty() ? IpfsSettings.urls("IPFS_NODES (ipfs.nodes)", props.getOrDefault("ipfs.nodes", ""))
                : IpfsSettings.urls("--node", String.join(",", nodes));
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no IPFS node to download from: set IPFS_NODES or pass --node");
        }
        String expected = sha256 != null ? sha256.toLowerCase() : manifestSha256(props);
        Duration timeout = Durations.parse("IPFS_HTTP_TIMEOUT (ipfs.http.timeout)", props.getOrDefault("ipfs.http.timeout", "60s"));
        Path tmp = output.resolveSibling(output.getFileName() + ".part");
        MessageDigest[] digest = new MessageDigest[1];
        long t0 = System.nanoTime();
        URI used;
        try {
            used = new KuboClient(timeout).catFirst(urls, cid, () -> {
                try {
                    digest[0] = MessageDigest.getInstance("SHA-256");
                    return new DigestOutputStream(Files.newOutputStream(tmp), digest[0]);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            });
            String actual = HexFormat.of().formatHex(digest[0].digest());
            if (expected != null && !expected.equals(actual)) {
                throw new IllegalStateException("sha256 of the downloaded " + cid + " is " + actual + " but the manifest says "
                        + expected + ": the download is corrupt, nothing was written to " + output);
            }
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING);
            long bytes = Files.size(output);
            spec.commandLine().getErr().printf("downloaded %s from %s: %d bytes in %d ms, sha256 %s (%s)%n", cid, used, bytes,
                    (System.nanoTime() - t0) / 1_000_000, actual, expected == null ? "NOT checked: no manifest entry" : "matches the manifest");
            spec.commandLine().getOut().println(actual);
            return 0;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private String manifestSha256(org.ipfsbackup.config.PropertySource props) {
        String uri = props.get("mongodb.uri").orElse(null);
        if (uri == null) {
            return null;
        }
        try (var client = MongoClients.create(uri)) {
            var repo = new ManifestRepository(client, props.getOrDefault("manifest.database", "ipfs_backup"),
                    props.getOrDefault("manifest.collection", "backups"), props.getOrDefault("manifest.state-collection", "manifest_state"));
            return repo.find(cid).map(ManifestEntry::sha256).orElseThrow(() -> new IllegalArgumentException(
                    "CID " + cid + " is not in the manifest: pass --sha256 to download it anyway"));
        }
    }

}
