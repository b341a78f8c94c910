package org.ipfsbackup.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static ManifestEntry entry(String type, String cid, String at, long size) {
        return ManifestEntry.builder(type, cid, Instant.parse(at)).file(type + "_backup_x.tar.gz.enc", size, "ab".repeat(32))
                .databases(List.of("shop", "inventory")).source("7.0.77", "rs0").durationMs(1234).peers(List.of("12D3A", "12D3B"))
                .engine("driver").compression("gzip").key("k1", null).content(5, 100L, 5000L).oplog("1:1", "2:3", 4L).build();
    }

    @Test
    void documentRoundTripKeepsEveryField() {
        ManifestEntry e = entry("full", "bafy1", "2026-11-27T02:00:00.123Z", 999);
        assertThat(ManifestStore.fromDocument(ManifestStore.toDocument(e))).isEqualTo(e);
        assertThat(ManifestStore.toDocument(e).get("_id")).isEqualTo("bafy1");
    }

    @Test
    void manifestJsonHasTheSeedShapeAndReadsBack() throws Exception {
        ManifestFile f = ManifestFile.of(List.of(entry("full", "bafy2", "2026-11-28T02:00:00Z", 10),
                entry("full", "bafy1", "2026-11-27T02:00:00Z", 5)), "bafyPrev", Instant.parse("2026-11-28T02:01:00Z"));
        String json = new String(f.toJson());
        assertThat(json).contains("\"version\" : 2", "\"kind\" : \"checkpoint\"", "\"lastUpdated\" : \"2026-11-28T02:01:00Z\"", "\"backups\"", "\"statistics\"",
                "\"previousManifest\" : \"bafyPrev\"", "\"totalSize\" : 15");
        ManifestFile back = ManifestFile.read(new ByteArrayInputStream(f.toJson()));
        assertThat(back).isEqualTo(f);
        assertThat(back.backups()).extracting(ManifestEntry::cid).containsExactly("bafy1", "bafy2");
        assertThat(back.statistics().fullBackups()).isEqualTo(2);
        assertThat(back.statistics().oldestBackup()).isEqualTo(Instant.parse("2026-11-27T02:00:00Z"));
    }
}
