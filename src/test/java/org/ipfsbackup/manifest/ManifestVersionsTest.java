package org.ipfsbackup.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ipfsbackup.manifest.ManifestVersions.Decision;
import org.ipfsbackup.manifest.ManifestVersions.Version;
import org.junit.jupiter.api.Test;

/** The rule for manifest versions, without Camel, MongoDB or IPFS: versions are given, backups are named by CID. */
class ManifestVersionsTest {
    final Map<String, Version> versions = new HashMap<>();
    final Map<String, Exception> failures = new HashMap<>();
    final List<String> reads = new ArrayList<>();

    void version(String cid, String previous, String... backups) {
        versions.put(cid, new Version(cid, previous, Instant.parse("2026-11-01T00:00:00Z"), Set.of(backups)));
    }

    Version get(String cid) throws Exception {
        reads.add(cid);
        if (failures.containsKey(cid)) {
            throw failures.get(cid);
        }
        Version v = versions.get(cid);
        if (v == null) {
            throw new IOException("no such version " + cid);
        }
        return v;
    }

    Map<String, Decision> decide(List<String> candidates, List<String> roots, Set<String> live) {
        Set<String> universe = new java.util.HashSet<>(versions.keySet());
        universe.addAll(failures.keySet());
        return ManifestVersions.decide(candidates, roots, universe,
                v -> v.backups() != null && v.backups().stream().anyMatch(live::contains), this::get);
    }

    static List<String> kept(Map<String, Decision> d) {
        return d.values().stream().filter(Decision::keep).map(Decision::cid).toList();
    }

    /** F <- I1 <- I2, one manifest version after each: m1 <- m2 <- m3 (head). */
    void chain() {
        version("m1", null, "F");
        version("m2", "m1", "F", "I1");
        version("m3", "m2", "F", "I1", "I2");
    }

    @Test
    void theWholeChainBackFromTheHeadIsKeptEvenWhenItsOldestVersionsNameNoLiveBackup() {
        chain();
        version("m0", null, "OLD"); // an older chain start: m1 does not link to it
        version("mA", "m0", "OLD");
        versions.put("m1", new Version("m1", "mA", null, Set.of("F"))); // m1 links to mA, which names only expired OLD
        Map<String, Decision> d = decide(List.of("m0", "mA", "m1", "m2"), List.of("m3"), Set.of("F", "I1", "I2"));
        assertThat(kept(d)).containsExactly("m0", "mA", "m1", "m2");
        assertThat(d.get("mA").reason()).contains("m1").contains("links to it");
        assertThat(d.get("m2").reason()).contains("m3");
    }

    @Test
    void aVersionOffTheChainIsKeptWhileItNamesALiveBackupAndSoIsWhatItLinksTo() {
        chain();
        version("fork0", null, "F");
        version("fork", "fork0", "F", "I1"); // a saved CID from a publish that raced another
        Map<String, Decision> d = decide(List.of("fork", "fork0"), List.of("m3"), Set.of("I1"));
        assertThat(kept(d)).containsExactly("fork", "fork0");
        assertThat(d.get("fork").reason()).isEqualTo("it names a live backup");
        assertThat(d.get("fork0").reason()).contains("fork (kept) links to it");
    }

    @Test
    void aVersionOffTheChainThatNamesOnlyGoneBackupsAndThatNothingKeptLinksToGoes() {
        chain();
        version("stale", null, "GONE");
        Map<String, Decision> d = decide(List.of("stale"), List.of("m3"), Set.of("F", "I1", "I2"));
        assertThat(d.get("stale").keep()).isFalse();
        assertThat(d.get("stale").reason()).isEqualTo("names no live backup and no kept version needs it");
    }

    @Test
    void withoutAHeadEveryVersionNamingALiveBackupIsKeptWithItsChain() {
        chain(); // the database is gone: no head, no history; only the pins are left
        Map<String, Decision> d = decide(List.of("m1", "m2", "m3"), List.of(), Set.of("I2"));
        assertThat(kept(d)).containsExactly("m1", "m2", "m3");
        assertThat(d.get("m3").reason()).isEqualTo("it names a live backup");
        assertThat(d.get("m1").reason()).contains("m2 (kept) links to it");
    }

    @Test
    void aVersionThatCannotBeReadNowIsKeptAndSoIsEverythingItMightLinkTo() {
        chain();
        versions.remove("m2");
        failures.put("m2", new ManifestVersions.Undecided("no IPFS node gives it now", null));
        version("stale", null, "GONE");
        Map<String, Decision> d = decide(List.of("m1", "m2", "stale"), List.of("m3"), Set.of("I2"));
        assertThat(d.get("m2").keep()).isTrue();
        assertThat(d.get("m1").keep()).as("m2's link is not known: m1 may be what it links to").isTrue();
        assertThat(d.get("m1").reason()).contains("m2 cannot be read");
        assertThat(d.get("stale").keep()).isTrue();
    }

    @Test
    void somethingThatIsNotAManifestGoesAndLinksOutsideThePinnedVersionsAreNotFollowed() {
        chain();
        failures.put("junk", new IOException("not an ipfs-backup file"));
        versions.put("m1", new Version("m1", "unpinned-long-ago", null, Set.of("F")));
        Map<String, Decision> d = ManifestVersions.decide(List.of("junk", "m1"), List.of("m3"), Set.of("junk", "m1", "m2", "m3"),
                v -> false, this::get);
        assertThat(d.get("junk").keep()).isFalse();
        assertThat(d.get("junk").reason()).contains("not an ipfs-backup file");
        assertThat(d.get("m1").keep()).isTrue();
        assertThat(reads).doesNotContain("unpinned-long-ago");
    }

    @Test
    void eachVersionIsReadOnce() {
        chain();
        version("fork", "m2", "I1");
        decide(List.of("m1", "m2", "fork"), List.of("m3", "m2"), Set.of("I1"));
        assertThat(reads).doesNotHaveDuplicates();
    }

    void checkpoint(String cid, String previous, String... backups) {
        versions.put(cid, new Version(cid, previous, Instant.parse("2026-11-01T00:00:00Z"), Set.of(backups), true));
    }

    void delta(String cid, String previous, String... backups) {
        versions.put(cid, new Version(cid, previous, Instant.parse("2026-11-01T00:00:00Z"), Set.of(backups), false));
    }

    /** c0 <- d1 <- c2 (checkpoint) <- d3 <- d4 (head); OLD has expired, F and I1 are live. */
    void deltaChain() {
        checkpoint("c0", null, "OLD");
        delta("d1", "c0", "OLD");
        checkpoint("c2", "d1", "F");
        delta("d3", "c2", "F", "I1");
        delta("d4", "d3", "F", "I1");
    }

    @Test
    void aKeptDeltaKeepsItsChainBackToItsCheckpointAndTheHistoryBehindTheCheckpointGoes() {
        deltaChain();
        Map<String, Decision> d = decide(List.of("c0", "d1", "c2", "d3"), List.of("d4"), Set.of("F", "I1"));
        assertThat(kept(d)).containsExactly("c2", "d3");
        assertThat(d.get("d3").reason()).isEqualTo("version d4 (kept) links to it");
        assertThat(d.get("c2").reason()).isEqualTo("version d3 (kept) links to it");
        assertThat(d.get("d1").reason()).isEqualTo("names no live backup and no kept version needs it");
        assertThat(d.get("c0").keep()).isFalse();
    }

    @Test
    void aVersionKeptForWhatItNamesKeepsTheCheckpointItNeedsEvenWhenThatNamesNothingLive() {
        deltaChain();
        delta("d1", "c0", "OLD", "SAVED"); // an operator's saved CID: its state names a backup still kept
        Map<String, Decision> d = decide(List.of("c0", "d1", "c2", "d3"), List.of("d4"), Set.of("F", "I1", "SAVED"));
        assertThat(kept(d)).containsExactly("c0", "d1", "c2", "d3");
        assertThat(d.get("d1").reason()).isEqualTo("it names a live backup");
        assertThat(d.get("c0").reason()).isEqualTo("version d1 (kept) links to it");
    }

    @Test
    void aVersionOfUnknownKindIsTreatedAsADeltaItsLinkIsKept() {
        deltaChain();
        versions.put("c2", new Version("c2", "d1", null, Set.of("F"))); // listed by an older release: kind not known
        Map<String, Decision> d = decide(List.of("c0", "d1", "c2", "d3"), List.of("d4"), Set.of("F", "I1"));
        assertThat(kept(d)).containsExactly("c0", "d1", "c2", "d3");
    }
}
