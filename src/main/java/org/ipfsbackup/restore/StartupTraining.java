package org.ipfsbackup.restore;

import org.ipfsbackup.mongo.DumpLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.ipfsbackup.archive.TarGzArchiver;
import org.ipfsbackup.config.ArchiveSettings;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptionKey;
import org.ipfsbackup.ipfs.UnixfsCid;
import org.ipfsbackup.job.WorkDirectories;

/**
 * The training run of the class-data sharing archive that {@code bin/ipfs-backup} (and the container image) build
 * next to the jar ({@code java -XX:ArchiveClassesAtExit=ipfs-backup.jsa -cp ipfs-backup.jar
 * org.ipfsbackup.restore.StartupTraining}): it goes through what a one-shot {@code restore} loads — the command
 * line built and a restore's arguments parsed, the settings read, a tiny dump archived, encrypted, hashed, decrypted
 * and extracted with each codec, its BSON read, a download from a node that it serves itself on the loopback address,
 * a MongoDB read against 127.0.0.1:9, refused at once — so the next JVMs map those classes from the archive instead
 * of loading and verifying them from the jar. Writes only in a temporary directory, which it removes; uses no
 * network beyond the loopback address. Run with {@code -Xint} (see bin/ipfs-backup). picocli's classes stay out of
 * any archive: they are class-file version 49, which class-data sharing does not take.
 */
public final class StartupTraining {
    private StartupTraining() {
    }

    public static void main(String[] args) throws Exception {
        org.ipfsbackup.cli.Main.commandLine(null).getUsageMessage(); // every command's classes
        Path dir = Files.createTempDirectory("ipfs-backup-cds");
        try {
            run(dir);
            // what a restore goes through before its first byte; each part on its own, as none of them is needed
            quietly(StartupTraining::commandLine);
            quietly(StartupTraining::download);
            quietly(StartupTraining::mongoOperation);
        } finally {
            WorkDirectories.deleteTree(dir);
        }
    }

    private interface Part {
        void run() throws Exception;
    }

    private static void quietly(Part part) {
        try {
            part.run();
        } catch (Exception | LinkageError e) {
            // a part that cannot run here (no loopback, a module missing from the runtime image) only leaves its
            // classes out of the archive
        }
    }

    /** A restore's command line parsed, and the settings read as it reads them (the packaged or ./ application.properties). */
    static void commandLine() {
        org.ipfsbackup.cli.Main.commandLine("restore").parseArgs("restore", "latest", "--target-uri", "mongodb://127.0.0.1:9/",
                "--drop", "--ns-include", "db.*", "--progress", "off");
        org.ipfsbackup.app.AppConfig.kuboNodes(new org.ipfsbackup.cli.ConfigOptions().properties());
    }

    /** A download as a restore makes it (HTTP client, failover loop), from a node on the loopback address that this serves. */
    static void download() throws IOException {
        byte[] body = "training".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        com.sun.net.httpserver.HttpServer node = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        node.createContext("/api/v0/cat", ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        node.start();
        try {
            java.net.URI uri = java.net.URI.create("http://" + java.net.InetAddress.getLoopbackAddress().getHostAddress() + ":"
                    + node.getAddress().getPort());
            new org.ipfsbackup.ipfs.KuboClient(java.time.Duration.ofSeconds(5)).catFirst(List.of(uri), "bafkqaaa",
                    (n, in) -> in.transferTo(java.io.OutputStream.nullOutputStream()));
        } finally {
            node.stop(0);
        }
    }

    /** A read through the MongoDB driver (operation, server selection); port 9 refuses at once, nothing is sent. */
    static void mongoOperation() {
        try (var client = org.ipfsbackup.mongo.MongoConnections.create("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200&connectTimeoutMS=200")) {
            client.getDatabase("db").getCollection("c", RawBsonDocument.class).find().first();
        }
    }

    static void run(Path dir) throws IOException {
        Path dump = Files.createDirectories(dir.resolve("dump/db"));
        BsonDocument doc = new BsonDocument("_id", new BsonInt32(1)).append("name", new BsonString("training"));
        RawBsonDocument raw = new RawBsonDocument(doc, new BsonDocumentCodec());
        byte[] bytes = new byte[raw.getByteBuffer().remaining()];
        raw.getByteBuffer().asNIO().get(bytes);
        Files.write(dump.resolve("c.bson"), bytes);
        Files.writeString(dump.resolve("c.metadata.json"), "{\"options\":{},\"indexes\":[{\"v\":2,\"key\":{\"_id\":1},\"name\":\"_id_\"}]}");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        BackupCipher cipher = new BackupCipher(EncryptionKey.fromSecret(Base64.getEncoder().encodeToString(secret), "k1"), 10_000);
        for (String codec : List.of("gzip", "zstd")) {
            Path plain = dir.resolve("t." + codec);
            new TarGzArchiver(new ArchiveSettings(codec, 1, 1, 1).codec()).archive(dir.resolve("dump"), plain);
            Path enc = dir.resolve("t." + codec + ".enc");
            String sha = cipher.encrypt(plain, enc).sha256();
            UnixfsCid.Streaming cid = new UnixfsCid.Streaming();
            cid.write(Files.readAllBytes(enc));
            cid.cid();
            Path out = dir.resolve("x-" + codec);
            BackupFetcher.decryptAndExtract(cipher, enc, sha, null, out, codec, null);
            DumpLayout.scan(out);
            try (BsonFileReader r = new BsonFileReader(out.resolve("db/c.bson"))) {
                r.read();
            }
        }
        try (var client = org.ipfsbackup.mongo.MongoConnections.create("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=1")) {
            client.getDatabase("db").getCollection("c", RawBsonDocument.class);
        }
    }
}
