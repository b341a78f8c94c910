package org.ipfsbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.ipfsbackup.devstack.LocalStack;
import org.ipfsbackup.devstack.StackExtension;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.restore.CompareResult;
import org.ipfsbackup.restore.DatabaseComparator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local cache on the real stack: a full backup lands in BACKUP_CACHE_DIR under its CID; `restore latest` and
 * `verify` read it with no IPFS node reachable (the only node given counts the connections made to it: none), and
 * the restored data equals the source; a corrupted cached file is ignored and removed, and the cluster serves.
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class CacheStackTest {
    @TempDir
    Path tmp;

    @Test
    void aRestoreReadsTheCacheWithoutTheClusterAndFallsBackWhenTheCachedFileIsCorrupt(LocalStack stack) throws Exception {
        Path cacheDir = tmp.resolve("cache");
        StackApp app = new StackApp(stack, tmp, Map.of("backup.cache.dir", cacheDir.toString(), "backup.cache.max", "1GiB"));
        ManifestEntry full = app.backup("full").entry();
        Path cached = cacheDir.resolve(full.cid());
        assertThat(cached).as("the backup lands in the cache under its CID").isRegularFile();
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(cached))))
                .isEqualTo(full.sha256());

        try (MongoClient source = MongoClients.create(app.env.get("MONGODB_URI"));
             MongoClient target = MongoClients.create(app.env.get("RESTORE_MONGODB_URI"));
             CountingNode node = new CountingNode()) {
            // the only IPFS node the restore may use accepts and counts connections, and serves nothing
            StackApp.emptyTarget(target);
            StackApp.Run r = app.cli("restore", "latest", "--target-uri", app.env.get("RESTORE_MONGODB_URI"), "--drop",
                    "--node", node.url(), "--engine", "driver", "--json");
            assertThat(r.code()).as(r.all()).isZero();
            assertThat(r.err()).as("the restore says where it read the backup").contains("from " + cached.toUri());
            assertThat(node.connections.get()).as("no download was attempted").isZero();
            CompareResult c = DatabaseComparator.compare(source, target, full.databases());
            assertThat(c.differences()).as("restored from the cache = backed up").isEmpty();
            assertThat(c.documents()).isEqualTo(full.documents()).isGreaterThan(1000);

            StackApp.Run v = app.cli("verify", full.cid(), "--node", node.url());
            assertThat(v.code()).as(v.all()).isZero();
            assertThat(v.out()).startsWith("OK");
            assertThat(node.connections.get()).isZero();

            // truncated: ignored and removed; the same restore without a reachable node now fails...
            byte[] bytes = Files.readAllBytes(cached);
            Files.write(cached, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            StackApp.emptyTarget(target);
            StackApp.Run bad = app.cli("restore", "latest", "--target-uri", app.env.get("RESTORE_MONGODB_URI"), "--drop",
                    "--node", node.url(), "--engine", "driver");
            assertThat(bad.code()).as(bad.all()).isNotZero();
            assertThat(node.connections.get()).as("it went to the node").isPositive();
            assertThat(cached).as("the corrupt cached file was removed").doesNotExist();

            // ...and with the cluster's nodes it restores from them (flipped bytes this time, same outcome)
            byte[] flipped = bytes.clone();
            flipped[bytes.length / 2] ^= 0x40;
            Files.write(cached, flipped);
            StackApp.Run ok = app.cli("restore", "latest", "--target-uri", app.env.get("RESTORE_MONGODB_URI"), "--drop",
                    "--engine", "driver");
            assertThat(ok.code()).as(ok.all()).isZero();
            assertThat(ok.err()).contains("downloaded full").doesNotContain("from file:");
            assertThat(cached).doesNotExist();
            assertThat(DatabaseComparator.compare(source, target, full.databases()).differences()).isEmpty();
        }
    }

    /** A loopback port that accepts connections, counts them and closes them: an IPFS node that serves nothing. */
    static final class CountingNode implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        private final ServerSocket server;

        CountingNode() throws Exception {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        connections.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "counting-node");
            t.setDaemon(true);
            t.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }
}
