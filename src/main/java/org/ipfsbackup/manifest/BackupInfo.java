package org.ipfsbackup.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What a backup is, written as {@value #FILE_NAME} at the top of its archive (beside the database folders, where
 * mongorestore and the restore engines ignore it). It makes an uploaded file self-describing: when a crash (kill -9)
 * comes between the upload and the manifest insert, start-up recovery can read it back from the verified file and
 * adopt the upload into the manifest with the same facts the record step would have written.
 *
 * @param version format of this file (1)
 * @param name the backup file name ({@code full_backup_...tar.gz.enc}), which must equal the pin's name
 * @param contentDigests a full backup's per-collection document counts and digests (restore drills); empty otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupInfo(int version, String name, String type, Instant started, List<String> databases, String mongodbVersion,
                         String replicaSet, String engine, Integer collections, Long documents, String oplogStart, String oplogEnd,
                         Long oplogOperations, String baseBackup, String previous,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<org.ipfsbackup.drill.CollectionDigest> contentDigests) {

    public static final String FILE_NAME = "ipfs-backup.json";
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public BackupInfo {
        databases = databases == null ? List.of() : List.copyOf(databases);
        contentDigests = contentDigests == null ? List.of() : List.copyOf(contentDigests);
    }

    /** Writes {@value #FILE_NAME} into the dump directory (so the archive step takes it along). */
    public Path writeInto(Path dumpDir) throws IOException {
        Path f = dumpDir.resolve(FILE_NAME);
        JSON.writeValue(f.toFile(), this);
        return f;
    }

    /** Reads one; a file that is not this format is an IOException naming what is wrong. */
    public static BackupInfo read(InputStream in) throws IOException {
        BackupInfo i;
        try {
            i = JSON.readValue(in, BackupInfo.class);
        } catch (IOException e) {
            throw new IOException(FILE_NAME + " is not readable: " + e.getMessage(), e);
        }
        if (i.version() != VERSION) {
            throw new IOException(FILE_NAME + " has version " + i.version() + ", this program reads version " + VERSION);
        }
        if (i.name() == null || i.started() == null || !("full".equals(i.type()) || "incremental".equals(i.type()))) {
            throw new IOException(FILE_NAME + " lacks its name, start time or type (full/incremental)");
        }
        return i;
    }

    public static BackupInfo read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    /**
     * The manifest entry of an adopted upload: these facts plus what the verification measured of the uploaded file.
     *
     * @param durationMs unknown for an adopted backup: 0
     */
    public ManifestEntry toEntry(String cid, long size, String sha256, List<String> peers, String compression, String keyId,
                                 String wrappedKey, Long contentBytes) {
        return ManifestEntry.builder(type, cid, started).file(name, size, sha256).databases(databases)
                .source(mongodbVersion, replicaSet).peers(peers).engine(engine).compression(compression).key(keyId, wrappedKey)
                .content(collections, documents, contentBytes).oplog(oplogStart, oplogEnd, oplogOperations).chain(baseBackup, previous)
                .contentDigests(contentDigests).build();
    }
}
