package org.ipfsbackup.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The whole manifest as JSON (the seed's format: version, lastUpdated, backups, statistics), plus the CID of the
 * manifest it supersedes, so the history can be walked back from the newest manifest CID and the key alone.
 * It is encrypted like a backup before it leaves the process: it names databases and sizes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ManifestFile(int version, Instant lastUpdated, String previousManifest, List<ManifestEntry> backups,
                           Statistics statistics) {

    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    public record Statistics(int totalBackups, int fullBackups, int incrementalBackups, int deletedBackups,
                             long totalSize, Instant oldestBackup, Instant newestBackup) {
    }

    public static ManifestFile of(List<ManifestEntry> entries, String previousManifest, Instant now) {
        List<ManifestEntry> sorted = entries.stream().sorted(Comparator.comparing(ManifestEntry::timestamp)).toList();
        List<ManifestEntry> live = sorted.stream().filter(e -> !ManifestEntry.DELETED.equals(e.status())).toList();
        Statistics s = new Statistics(live.size(), (int) live.stream().filter(ManifestEntry::isFull).count(),
                (int) live.stream().filter(e -> !e.isFull()).count(), sorted.size() - live.size(),
                live.stream().mapToLong(ManifestEntry::size).sum(),
                live.isEmpty() ? null : live.get(0).timestamp(), live.isEmpty() ? null : live.get(live.size() - 1).timestamp());
        return new ManifestFile(FORMAT_VERSION, now, previousManifest, sorted, s);
    }

    public void write(OutputStream out) throws IOException {
        JSON.writeValue(out, this);
    }

    public byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    public static ManifestFile read(InputStream in) throws IOException {
        return JSON.readValue(in, ManifestFile.class);
    }
}
