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
        return e.toBuilder().deleted(e.timestamp().plusSeconds(60)).build();
    }

    static ManifestEntry entry(String type, String cid, Instant t, String base, String previous, String status) {
        return ManifestEntry.builder(type, cid, t).file(cid + ".tar.gz.enc", 1, "00").databases(List.of("shop")).source("7.0", "rs0")
                .durationMs(1).peers(List.of("p1")).status(status).engine("driver").compression("gzip").key("k1", null)
                .oplog(null, t.getEpochSecond() + ":1", null).chain(base, previous).build();
    }

    static List<String> cids(List<ManifestEntry> entries) {
        return entries.stream().map(ManifestEntry::cid).toList();
    }
}
