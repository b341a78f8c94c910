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
 * line, a tiny dump archived, encrypted, hashed, decrypted and extracted with each codec, its BSON read, a MongoDB
 * client created (never connected) — so the next JVMs map those classes from the archive instead of loading and
 * verifying them from the jar. Writes only in a temporary directory, which it removes; needs no network.
 */
public final class StartupTraining {
    private StartupTraining() {
    }

    public static void main(String[] args) throws Exception {
        new picocli.CommandLine(new org.ipfsbackup.cli.Main()).getUsageMessage();
        Path dir = Files.createTempDirectory("ipfs-backup-cds");
        try {
            run(dir);
        } finally {
            WorkDirectories.deleteTree(dir);
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
