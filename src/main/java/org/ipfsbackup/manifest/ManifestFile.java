package org.ipfsbackup.manifest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * One published manifest version as JSON (the seed's fields: version, lastUpdated, backups, statistics), plus the CID
 * of the version it supersedes ({@code previousManifest}), so the history can be walked back from the newest manifest
 * CID and the key alone. It is encrypted like a backup before it leaves the process: it names databases and sizes.
 *
 * <p>Format version 2 (docs/format.md, "The published manifest"): a version is a {@value #CHECKPOINT} (its
 * {@code backups} are every entry) or a {@value #DELTA} (its {@code backups} are the entries new or changed since the
 * version it links to, {@code removed} the CIDs no longer in the manifest, {@code depth} how many deltas lead back to
 * its checkpoint, this one included). Either way {@code statistics} describe the whole state. A version-1 file (the
 * whole state, no {@code kind}) reads as a checkpoint. {@link ManifestChain} turns a version into its whole state.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ManifestFile(int version, Instant lastUpdated, String previousManifest, String kind, Integer depth,
                           List<ManifestEntry> backups, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> removed,
                           Statistics statistics) {

    public static final int FORMAT_VERSION = 2;
    /** The oldest format version this code still reads (whole state each; read as a checkpoint). */
    public static final int OLDEST_READABLE = 1;
    public static final String CHECKPOINT = "checkpoint";
    public static final String DELTA = "delta";

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    public ManifestFile {
        backups = backups == null ? List.of() : List.copyOf(backups);
        removed = removed == null ? List.of() : List.copyOf(removed);
    }

    /** The whole state's counts: live entries (not deleted), of which full and incremental, deleted entries, sizes and times. */
    public record Statistics(int totalBackups, int fullBackups, int incrementalBackups, int deletedBackups,
                             long totalSize, Instant oldestBackup, Instant newestBackup) {

        public static Statistics of(Collection<ManifestEntry> entries) {
            List<ManifestEntry> live = entries.stream().filter(e -> !ManifestEntry.DELETED.equals(e.status()))
                    .sorted(Comparator.comparing(ManifestEntry::timestamp)).toList();
            return new Statistics(live.size(), (int) live.stream().filter(ManifestEntry::isFull).count(),
                    (int) live.stream().filter(e -> !e.isFull()).count(), entries.size() - live.size(),
                    live.stream().mapToLong(ManifestEntry::size).sum(),
                    live.isEmpty() ? null : live.get(0).timestamp(), live.isEmpty() ? null : live.get(live.size() - 1).timestamp());
        }

        /** Entries the state holds, deleted ones included. */
        public int entries() {
            return totalBackups + deletedBackups;
        }
    }

    /** A checkpoint: every entry (oldest first), linked to {@code previousManifest} for the history only. */
    public static ManifestFile of(List<ManifestEntry> entries, String previousManifest, Instant now) {
        return new ManifestFile(FORMAT_VERSION, now, previousManifest, CHECKPOINT, 0, sorted(entries), List.of(),
                Statistics.of(entries));
    }

    /**
     * A delta on {@code previousManifest}: the entries new or changed since it, the CIDs removed, and the statistics of
     * the whole state after it.
     *
     * @param depth deltas back to the checkpoint, this one included (1 for the first delta after a checkpoint)
     */
    public static ManifestFile delta(List<ManifestEntry> changed, List<String> removed, String previousManifest, int depth,
                                     Statistics whole, Instant now) {
        if (previousManifest == null || depth < 1) {
            throw new IllegalArgumentException("a delta needs the version it applies to and a depth of at least 1");
        }
        return new ManifestFile(FORMAT_VERSION, now, previousManifest, DELTA, depth, sorted(changed),
                removed.stream().sorted().toList(), whole);
    }

    private static List<ManifestEntry> sorted(List<ManifestEntry> entries) {
        return entries.stream().sorted(Comparator.comparing(ManifestEntry::timestamp).thenComparing(ManifestEntry::cid)).toList();
    }

    /** Whether it holds the whole state: a version-2 checkpoint, or any version-1 file. */
    @JsonIgnore
    public boolean isCheckpoint() {
        return version <= 1 || !DELTA.equals(kind);
    }

    public void write(OutputStream out) throws IOException {
        JSON.writeValue(out, this);
    }

    public byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    /** The JSON of one entry as a manifest file writes it (what a delta's size and an entry's fingerprint are made of). */
    static byte[] entryJson(ManifestEntry e) throws IOException {
        return JSON.writeValueAsBytes(e);
    }

    /**
     * Reads one version, as written. A format version this code does not read (newer than {@value #FORMAT_VERSION}),
     * or a {@code kind} it does not know, is an error naming it.
     */
    public static ManifestFile read(InputStream in) throws IOException {
        ManifestFile f = JSON.readValue(in, ManifestFile.class);
        if (f.version() < OLDEST_READABLE || f.version() > FORMAT_VERSION) {
            throw new IOException("manifest format version " + f.version() + " is not one this program reads ("
                    + OLDEST_READABLE + " to " + FORMAT_VERSION + ")");
        }
        if (f.version() >= 2 && !CHECKPOINT.equals(f.kind()) && !DELTA.equals(f.kind())) {
            throw new IOException("manifest kind '" + f.kind() + "' is neither " + CHECKPOINT + " nor " + DELTA);
        }
        return f;
    }
}
