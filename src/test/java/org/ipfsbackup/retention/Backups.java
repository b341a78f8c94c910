package org.ipfsbackup.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.ipfsbackup.manifest.ManifestEntry;

/** Manifest entries for retention tests: only type, CID, time, status and the chain links matter to the policy. */
final class Backups {
    static final Instant NOW = Instant.parse("2026-11-01T12:00:00Z");

    private Backups() {
    }

    static Clock clockAt(Instant now) {
        return Clock.fixed(now, ZoneOffset.UTC);
    }

    static Instant daysAgo(long days) {
        return NOW.minus(Duration.ofDays(days));
    }

    static ManifestEntry full(String cid, Instant t) {
        return entry("full", cid, t, null, null, ManifestEntry.COMPLETE);
    }

    static ManifestEntry inc(String cid, Instant t, String base, String previous) {
        return entry("incremental", cid, t, base, previous, ManifestEntry.COMPLETE);
    }

    static ManifestEntry deleted(ManifestEntry e) {
        return new ManifestEntry(e.type(), e.cid(), e.timestamp(), e.size(), e.encrypted(), e.databases(), e.mongodbVersion(),
                e.replicaSet(), e.sha256(), e.fileName(), e.durationMs(), e.peers(), ManifestEntry.DELETED, e.engine(), e.compression(),
                e.keyId(), e.collections(), e.documents(), e.contentBytes(), e.oplogStart(), e.oplogEnd(), e.oplogOperations(),
                e.baseBackup(), e.previous(), e.timestamp().plusSeconds(60));
    }

    static ManifestEntry entry(String type, String cid, Instant t, String base, String previous, String status) {
        return new ManifestEntry(type, cid, t, 1, true, List.of("shop"), "7.0", "rs0", "00", cid + ".tar.gz.enc", 1, List.of("p1"),
                status, "driver", "gzip", "k1", null, null, null, null, t.getEpochSecond() + ":1", null, base, previous, null);
    }

    static List<String> cids(List<ManifestEntry> entries) {
        return entries.stream().map(ManifestEntry::cid).toList();
    }
}
