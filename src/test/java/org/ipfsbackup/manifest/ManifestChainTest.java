package org.ipfsbackup.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading a published version back as its whole state, without MongoDB or IPFS: versions are given by CID. */
class ManifestChainTest {
    static final Instant T = Instant.parse("2026-12-01T00:00:00Z");
    final Map<String, ManifestFile> files = new HashMap<>();
    final List<String> reads = new ArrayList<>();

    ManifestFile fetch(String cid) throws IOException {
        reads.add(cid);
        ManifestFile f = files.get(cid);
        if (f == null) {
            throw new IOException("no IPFS node gives it");
        }
        return ManifestFile.read(new ByteArrayInputStream(f.toJson()));
    }

    static ManifestEntry e(String cid, int minute) {
        return ManifestTest.entry("full", cid, T.plusSeconds(60L * minute).toString(), 10);
    }

    static ManifestFile delta(String previous, int depth, List<ManifestEntry> whole, List<String> removed, ManifestEntry... changed) {
        return ManifestFile.delta(List.of(changed), removed, previous, depth, ManifestFile.Statistics.of(whole), T);
    }

    @Test
    void aDeltaIsAppliedForwardFromItsCheckpoint() throws Exception {
        ManifestEntry a = e("A", 1);
        ManifestEntry b = e("B", 2);
        ManifestEntry c = e("C", 3);
        ManifestEntry aDeleted = a.toBuilder().status(ManifestEntry.DELETED).build();
        files.put("c0", ManifestFile.of(List.of(a, b), "older", T));
        files.put("d1", delta("c0", 1, List.of(a, b, c), List.of(), c));
        files.put("d2", delta("d1", 2, List.of(aDeleted, c), List.of("B"), aDeleted));
        ManifestChain.State s = ManifestChain.read("d2", this::fetch);
        assertThat(s.entries()).containsExactly(aDeleted, c);
        assertThat(s.liveBackups()).containsExactly("C");
        assertThat(s.versionsRead()).isEqualTo(3);
        assertThat(s.checkpointCid()).isEqualTo("c0");
        assertThat(reads).containsExactly("d2", "d1", "c0").doesNotContain("older");
        assertThat(ManifestChain.read("c0", this::fetch).versionsRead()).isEqualTo(1);
    }

    @Test
    void aVersionOneFileIsACheckpoint() throws Exception {
        String v1 = """
                {"version":1,"lastUpdated":"2026-11-28T02:01:00Z","previousManifest":"bafyOlder",
                 "backups":[{"type":"full","cid":"bafy1","timestamp":"2026-11-27T02:00:00Z","size":5,"encrypted":true,
                             "databases":["shop"],"sha256":"00","fileName":"f","durationMs":1,"peers":[],"status":"complete"}],
                 "statistics":{"totalBackups":1,"fullBackups":1,"incrementalBackups":0,"deletedBackups":0,"totalSize":5}}""";
        ManifestFile f = ManifestFile.read(new ByteArrayInputStream(v1.getBytes(StandardCharsets.UTF_8)));
        assertThat(f.isCheckpoint()).isTrue();
        assertThat(f.kind()).isNull();
        files.put("old", f);
        files.put("d1", delta("old", 1, List.of(f.backups().get(0), e("B", 1)), List.of(), e("B", 1)));
        assertThat(ManifestChain.read("d1", this::fetch).entries()).extracting(ManifestEntry::cid).containsExactly("bafy1", "B");
        assertThat(reads).doesNotContain("bafyOlder");
    }

    @Test
    void aPreviousVersionThatCannotBeReadIsNamed() {
        files.put("d1", delta("gone", 1, List.of(e("A", 1)), List.of(), e("A", 1)));
        assertThatThrownBy(() -> ManifestChain.read("d1", this::fetch)).isInstanceOf(ManifestChain.ChainException.class)
                .hasMessage("manifest d1: previous version gone (which d1 is a delta on) cannot be read: no IPFS node gives it");
        assertThatThrownBy(() -> ManifestChain.read("nothing", this::fetch))
                .hasMessage("manifest nothing cannot be read: no IPFS node gives it");
    }

    @Test
    void aCycleAndAWalkWithoutACheckpointAreRefused() throws Exception {
        files.put("x", delta("y", 1, List.of(), List.of()));
        files.put("y", delta("x", 1, List.of(), List.of()));
        assertThatThrownBy(() -> ManifestChain.read("x", this::fetch)).isInstanceOf(ManifestChain.ChainException.class)
                .hasMessage("manifest x: its chain of versions loops (version x comes round again after 2 versions)");

        String previous = "c";
        files.put("c", ManifestFile.of(List.of(), null, T));
        for (int i = 1; i <= ManifestChain.MAX_WALK; i++) {
            files.put("d" + i, delta(previous, i, List.of(), List.of()));
            previous = "d" + i;
        }
        assertThat(ManifestChain.read("d" + (ManifestChain.MAX_WALK - 1), this::fetch).versionsRead()).isEqualTo(ManifestChain.MAX_WALK);
        reads.clear();
        assertThatThrownBy(() -> ManifestChain.read("d" + ManifestChain.MAX_WALK, this::fetch))
                .hasMessageContaining("no checkpoint within " + ManifestChain.MAX_WALK + " versions");
        assertThat(reads).hasSize(ManifestChain.MAX_WALK);
    }

    @Test
    void aDeltaWithoutALinkAStateThatContradictsItsStatisticsAndAnUnknownFormatAreRefused() throws Exception {
        files.put("nolink", new ManifestFile(2, T, null, ManifestFile.DELTA, 1, List.of(), List.of(), ManifestFile.Statistics.of(List.of())));
        assertThatThrownBy(() -> ManifestChain.read("nolink", this::fetch)).hasMessage("manifest nolink is a delta but names no previousManifest to apply it to");

        files.put("c", ManifestFile.of(List.of(e("A", 1)), null, T));
        files.put("bad", delta("c", 1, List.of(e("A", 1), e("B", 2), e("C", 3)), List.of(), e("B", 2)));
        assertThatThrownBy(() -> ManifestChain.read("bad", this::fetch))
                .hasMessage("manifest bad: applying 1 deltas to checkpoint c gives 2 entries, but the version's statistics count 3");

        assertThatThrownBy(() -> ManifestFile.read(new ByteArrayInputStream("{\"version\":3,\"backups\":[]}".getBytes(StandardCharsets.UTF_8))))
                .hasMessage("manifest format version 3 is not one this program reads (1 to 2)");
        assertThatThrownBy(() -> ManifestFile.read(new ByteArrayInputStream("{\"version\":2,\"kind\":\"patch\"}".getBytes(StandardCharsets.UTF_8))))
                .hasMessage("manifest kind 'patch' is neither checkpoint nor delta");
    }
}
