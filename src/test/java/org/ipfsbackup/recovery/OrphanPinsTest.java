package org.ipfsbackup.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ipfsbackup.ipfs.ClusterPin;
import org.junit.jupiter.api.Test;

class OrphanPinsTest {
    static final Instant NOW = Instant.parse("2026-05-11T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final Map<String, String> OUR_META = Map.of("type", "backup", "app", "ipfs-backup", "timestamp", "2026-05-11T09:00:00Z");

    final OrphanPins orphans = new OrphanPins(CLOCK);
    final List<String> unpinned = new ArrayList<>();
    final Unpinner recordUnpin = unpinned::add;

    static ClusterPin pin(String cid, String name, Instant ts) {
        return new ClusterPin(cid, name, Map.of(), ts, List.of("12D3KooWA"));
    }

    static Instant hoursAgo(double h) {
        return NOW.minusSeconds((long) (h * 3600));
    }

    @Test
    void defaultGraceIsOneHour() {
        assertThat(orphans.grace()).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> new OrphanPins(Duration.ofMinutes(-1), CLOCK)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyOurNamesOrOurMetadataCount() {
        List<ClusterPin> pins = List.of(
                pin("c1", "full_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3)),
                pin("c2", "incremental_backup_2026-05-11_091500.tar.gz.enc", hoursAgo(3)),
                pin("c3", "manifest_2026-05-11_091600.json.enc", hoursAgo(3)),
                pin("c4", "holiday.jpg", hoursAgo(300)),
                pin("c5", "full_backup_2026-05-11_090000.tar.gz", hoursAgo(3)),
                pin("c6", "weekly_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3)),
                pin("c7", "xfull_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3)),
                pin("c8", "full_backup_2026-5-11_090000.tar.gz.enc", hoursAgo(3)),
                pin("c9", "", hoursAgo(3)),
                new ClusterPin("c10", "renamed.bin", OUR_META, hoursAgo(3), null),
                new ClusterPin("c11", "photo.png", Map.of("app", "something-else"), hoursAgo(3), null),
                pin("c12", "full_backup_2026-05-11_090000.tar.zst.enc", hoursAgo(3)),
                pin("c13", "full_backup_2026-05-11_090000.tar.xz.enc", hoursAgo(3)));
        assertThat(orphans.find(pins, Set.of())).extracting(ClusterPin::cid).containsExactly("c1", "c2", "c3", "c10", "c12");
    }

    @Test
    void foreignPinIsNeverTouched() {
        ClusterPin holiday = pin("cH", "holiday.jpg", Instant.parse("2001-01-01T00:00:00Z"));
        List<OrphanAction> r = orphans.resolve(List.of(holiday), Set.of(), p -> true, recordUnpin);
        assertThat(r).isEmpty();
        assertThat(unpinned).isEmpty();
    }

    @Test
    void pinsKnownToTheManifestAreSkipped() {
        List<ClusterPin> pins = List.of(
                pin("known-backup", "full_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3)),
                pin("known-manifest", "manifest_2026-05-10_090000.json.enc", hoursAgo(27)),
                pin("orphan", "full_backup_2026-05-11_100000.tar.gz.enc", hoursAgo(2)));
        assertThat(orphans.find(pins, Set.of("known-backup", "known-manifest"))).extracting(ClusterPin::cid).containsExactly("orphan");
    }

    @Test
    void pinsYoungerThanTheGraceAreSkipped() {
        List<ClusterPin> pins = List.of(
                pin("young", "full_backup_2026-05-11_113000.tar.gz.enc", hoursAgo(0.5)),
                pin("edge", "full_backup_2026-05-11_110000.tar.gz.enc", hoursAgo(1)),
                pin("old", "full_backup_2026-05-11_105900.tar.gz.enc", hoursAgo(1.02)),
                // the cluster timestamp wins over the name
                pin("old-name-young-pin", "full_backup_2020-01-01_000000.tar.gz.enc", hoursAgo(0.1)),
                // no cluster timestamp: the time in the name (UTC)
                pin("by-name-old", "incremental_backup_2026-05-11_095959.tar.gz.enc", null),
                pin("by-name-young", "incremental_backup_2026-05-11_114500.tar.gz.enc", null),
                // ours by metadata only, no timestamp: the metadata timestamp
                new ClusterPin("by-meta", "x.bin", OUR_META, null, null),
                // ours, but no way to know its age: left alone
                new ClusterPin("ageless", "x.bin", Map.of("app", "ipfs-backup"), null, null));
        assertThat(orphans.find(pins, Set.of())).extracting(ClusterPin::cid).containsExactly("old", "by-name-old", "by-meta");
        assertThat(new OrphanPins(Duration.ofMinutes(10), CLOCK).find(pins, Set.of())).extracting(ClusterPin::cid)
                .containsExactly("young", "edge", "old", "by-name-old", "by-name-young", "by-meta");
    }

    @Test
    void verifiedBackupIsAdoptedAndKept() {
        ClusterPin p = pin("c1", "full_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3));
        List<ClusterPin> offered = new ArrayList<>();
        List<OrphanAction> r = orphans.resolve(List.of(p), Set.of(), x -> offered.add(x), recordUnpin);
        assertThat(offered).containsExactly(p);
        assertThat(r).singleElement().satisfies(a -> {
            assertThat(a.pin()).isEqualTo(p);
            assertThat(a.action()).isEqualTo("adopted");
            assertThat(a.adopted()).isTrue();
            assertThat(a.describe()).contains("full_backup_2026-05-11_090000.tar.gz.enc", "c1", "adopted");
        });
        assertThat(unpinned).isEmpty();
    }

    @Test
    void backupThatDoesNotVerifyIsUnpinned() {
        ClusterPin p = pin("c1", "incremental_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3));
        List<OrphanAction> r = orphans.resolve(List.of(p), Set.of(), x -> false, recordUnpin);
        assertThat(r).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo("unpinned");
            assertThat(a.reason()).isEqualTo("did not verify");
        });
        assertThat(unpinned).containsExactly("c1");
    }

    @Test
    void manifestFilesAreNeverAdoptedButUnpinned() {
        ClusterPin m = pin("m1", "manifest_2026-05-11_090000.json.enc", hoursAgo(3));
        ClusterPin meta = new ClusterPin("x1", "renamed.bin", OUR_META, hoursAgo(3), null);
        List<ClusterPin> offered = new ArrayList<>();
        List<OrphanAction> r = orphans.resolve(List.of(m, meta), Set.of(), x -> offered.add(x), recordUnpin);
        assertThat(offered).isEmpty();
        assertThat(r).extracting(OrphanAction::action).containsExactly("unpinned", "unpinned");
        assertThat(r.get(0).reason()).contains("manifest file");
        assertThat(unpinned).containsExactly("m1", "x1");
    }

    @Test
    void adopterFailingMeansUnpinnedWithTheReason() {
        ClusterPin p = pin("c1", "full_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3));
        List<OrphanAction> r = orphans.resolve(List.of(p), Set.of(), x -> {
            throw new IOException("sha256 mismatch: expected ab12, got cd34");
        }, recordUnpin);
        assertThat(r).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo("unpinned");
            assertThat(a.reason()).isEqualTo("adoption failed: sha256 mismatch: expected ab12, got cd34");
        });
        assertThat(unpinned).containsExactly("c1");
    }

    @Test
    void anAdoptionThatCannotBeDecidedNowLeavesThePinForTheNextStart() {
        ClusterPin p = pin("c1", "full_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3));
        List<OrphanAction> r = orphans.resolve(List.of(p), Set.of(), x -> {
            throw new Adopter.Deferred("cannot be downloaded now (no IPFS node answers)", null);
        }, recordUnpin);
        assertThat(r).singleElement().satisfies(a -> {
            assertThat(a.kept()).isTrue();
            assertThat(a.reason()).isEqualTo("left pinned for the next start: cannot be downloaded now (no IPFS node answers)");
            assertThat(a.describe()).contains("c1", "kept");
        });
        assertThat(unpinned).isEmpty();
    }

    @Test
    void withoutAdopterEverythingIsUnpinned() {
        ClusterPin p = pin("c1", "full_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3));
        assertThat(orphans.resolve(List.of(p), Set.of(), null, recordUnpin)).singleElement()
                .satisfies(a -> assertThat(a.reason()).isEqualTo("no adopter"));
        assertThat(unpinned).containsExactly("c1");
    }

    @Test
    void unpinFailingIsReportedAndTheOthersStillHandled() {
        ClusterPin bad = pin("bad", "manifest_2026-05-11_090000.json.enc", hoursAgo(3));
        ClusterPin good = pin("good", "full_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3));
        Unpinner unpin = cid -> {
            if (cid.equals("bad")) {
                throw new IllegalStateException("no cluster node answered DELETE /pins/bad");
            }
            unpinned.add(cid);
        };
        List<OrphanAction> r = orphans.resolve(List.of(bad, good), Set.of(), x -> false, unpin);
        assertThat(r).extracting(OrphanAction::action).containsExactly("failed", "unpinned");
        assertThat(r.get(0).failed()).isTrue();
        assertThat(r.get(0).reason()).startsWith("unpin failed: no cluster node answered DELETE /pins/bad").contains("manifest file");
        assertThat(r.get(0).describe()).contains("failed: unpin failed");
        assertThat(unpinned).containsExactly("good");
    }

    @Test
    void duplicateCidIsHandledOnce() {
        ClusterPin p = pin("c1", "full_backup_2026-05-11_090000.tar.gz.enc", hoursAgo(3));
        assertThat(orphans.resolve(List.of(p, p), Set.of(), x -> false, recordUnpin)).hasSize(1);
        assertThat(unpinned).containsExactly("c1");
    }

    @Test
    void timeInNameIsUtcAndStrict() {
        assertThat(OrphanPins.timeInName("full_backup_2026-05-11_091500.tar.gz.enc")).isEqualTo(Instant.parse("2026-05-11T09:15:00Z"));
        assertThat(OrphanPins.timeInName("manifest_2026-05-11_091500.json.enc")).isEqualTo(Instant.parse("2026-05-11T09:15:00Z"));
        assertThat(OrphanPins.timeInName("full_backup_2026-02-30_091500.tar.gz.enc")).isNull();
        assertThat(OrphanPins.timeInName("holiday.jpg")).isNull();
    }

    static org.ipfsbackup.manifest.ManifestEntry backup(String cid, String status) {
        return org.ipfsbackup.manifest.ManifestEntry.full(cid, hoursAgo(5)).file(cid + ".tar.gz.enc", 1, "00").databases(List.of("shop"))
                .durationMs(1).status(status).build();
    }

    static org.ipfsbackup.manifest.ManifestFile manifest(String previous, org.ipfsbackup.manifest.ManifestEntry... backups) {
        return org.ipfsbackup.manifest.ManifestFile.of(List.of(backups), previous, hoursAgo(4));
    }

    /** A delta on {@code previous} carrying {@code changed}, whose whole state is {@code state}. */
    static org.ipfsbackup.manifest.ManifestFile delta(String previous, int depth, List<org.ipfsbackup.manifest.ManifestEntry> state,
                                                      org.ipfsbackup.manifest.ManifestEntry... changed) {
        return org.ipfsbackup.manifest.ManifestFile.delta(List.of(changed), List.of(), previous, depth,
                org.ipfsbackup.manifest.ManifestFile.Statistics.of(state), hoursAgo(4));
    }

    /**
     * Nothing is listed (the database is gone). Delta d2 carries only a deleted entry, but its whole state (read
     * through d1 back to checkpoint c0) names live P: it stays, and so does its chain. Delta x1, whose previous version
     * cannot be read, is kept (undecided), the CID it could not read named. Checkpoint c0's own link (old) is history:
     * old names only gone backups and goes.
     */
    @Test
    void aDeltaIsJudgedByItsWholeStateAndKeepsItsChainBackToItsCheckpointOnly() {
        var p = backup("P", "complete");
        var gone = backup("G", "deleted");
        Map<String, org.ipfsbackup.manifest.ManifestFile> files = Map.of(
                "old", manifest(null, backup("O", "complete")),
                "c0", manifest("old", p),
                "d1", delta("c0", 1, List.of(p)),
                "d2", delta("d1", 2, List.of(p, gone), gone),
                "x1", delta("missing", 1, List.of(p), p));
        List<String> read = new ArrayList<>();
        ManifestOrphans keeper = new ManifestOrphans(null, Map.of(), Set.of(), Set.of("P", "old", "c0", "d1", "d2", "x1"), cid -> {
            read.add(cid);
            if (!files.containsKey(cid)) {
                throw new java.io.IOException("not found on any IPFS node");
            }
            return files.get(cid);
        });
        List<ClusterPin> pins = List.of(pin("d2", "manifest_2026-05-11_080003.json.enc", hoursAgo(4)),
                pin("d1", "manifest_2026-05-11_080002.json.enc", hoursAgo(4)), pin("c0", "manifest_2026-05-11_080001.json.enc", hoursAgo(4)),
                pin("old", "manifest_2026-05-11_080000.json.enc", hoursAgo(4)), pin("x1", "manifest_2026-05-11_080004.json.enc", hoursAgo(4)));

        List<OrphanAction> r = orphans.resolve(pins, Set.of("P"), x -> false, keeper, recordUnpin);

        var decisions = keeper.decisions();
        assertThat(decisions.get("d2").keep()).isTrue();
        assertThat(decisions.get("d2").reason()).isEqualTo("it names a live backup");
        assertThat(decisions.get("d2").version().backups()).containsExactly("P");
        assertThat(decisions.get("d1").keep()).isTrue();
        assertThat(decisions.get("c0").keep()).isTrue();
        assertThat(decisions.get("x1").keep()).isTrue();
        assertThat(decisions.get("x1").reason()).contains("previous version missing").contains("cannot be read");
        assertThat(decisions.get("old").keep()).isFalse();
        assertThat(decisions.get("old").reason()).isEqualTo("names no live backup and no kept version needs it");
        assertThat(r).filteredOn(a -> !a.kept()).extracting(a -> a.pin().cid()).containsExactly("old");
        assertThat(unpinned).containsExactly("old");
        assertThat(read).doesNotHaveDuplicates();
    }

    /**
     * The history collection was lost: head h3 is listed, h2 and h1 (which h3 links to) are not. A stray manifest that
     * names a backup unpinned in this same run goes; one naming a backup that is still pinned stays; h1 and h2 stay and
     * are read back (so they can be listed again).
     */
    @Test
    void manifestVersionsTheHeadLinksToOrThatNameALiveBackupAreKeptTheRestUnpinnedAfterTheBackups() {
        Map<String, org.ipfsbackup.manifest.ManifestFile> files = Map.of(
                "h1", manifest(null, backup("F", "complete")),
                "h2", delta("h1", 1, List.of(backup("F", "complete"), backup("I1", "complete")), backup("I1", "complete")),
                "saved", manifest(null, backup("P", "complete")),
                "stray", manifest(null, backup("O", "complete"), backup("F-old", "deleted")));
        List<String> read = new ArrayList<>();
        ManifestOrphans keeper = new ManifestOrphans("h3", Map.of("h3",
                new org.ipfsbackup.manifest.ManifestVersions.Version("h3", "h2", null, null)), Set.of("F", "I1", "I2"),
                Set.of("F", "I1", "I2", "P", "O", "h1", "h2", "h3", "saved", "stray"), cid -> {
                    read.add(cid);
                    return files.get(cid);
                });
        ClusterPin orphanBackup = pin("O", "full_backup_2026-05-11_080000.tar.gz.enc", hoursAgo(4));
        List<ClusterPin> pins = List.of(pin("stray", "manifest_2026-05-11_080001.json.enc", hoursAgo(4)),
                pin("h1", "manifest_2026-05-11_070000.json.enc", hoursAgo(5)), orphanBackup,
                pin("saved", "manifest_2026-05-11_060000.json.enc", hoursAgo(6)),
                pin("h2", "manifest_2026-05-11_075000.json.enc", hoursAgo(5)));

        List<OrphanAction> r = orphans.resolve(pins, Set.of("h3", "F", "I1", "I2"), x -> false, keeper, recordUnpin);

        assertThat(r).extracting(a -> a.pin().cid()).as("in the order found").containsExactly("stray", "h1", "O", "saved", "h2");
        assertThat(unpinned).as("the backup first, then the manifest naming only it").containsExactly("O", "stray");
        assertThat(r.get(0).reason()).contains("names no live backup");
        assertThat(r.get(1).kept()).isTrue();
        assertThat(r.get(1).reason()).contains("h2 (kept) links to it");
        assertThat(r.get(4).reason()).contains("h3 (kept) links to it");
        assertThat(r.get(3).kept()).isTrue();
        assertThat(r.get(3).reason()).contains("names a live backup");
        assertThat(keeper.decisions().get("h1").version().previous()).isNull();
        assertThat(keeper.decisions().get("h2").version().previous()).isEqualTo("h1");
        assertThat(read).doesNotContain("h3").doesNotHaveDuplicates();
    }

    @Test
    void withoutAnIpfsNodeToReadThemUnlistedManifestVersionsAreKept() {
        ManifestOrphans keeper = new ManifestOrphans(null, Map.of(), Set.of(), Set.of(), null);
        List<OrphanAction> r = orphans.resolve(List.of(pin("m1", "manifest_2026-05-11_090000.json.enc", hoursAgo(3))), Set.of(), null,
                keeper, recordUnpin);
        assertThat(r).singleElement().satisfies(a -> {
            assertThat(a.kept()).isTrue();
            assertThat(a.reason()).contains("ipfs.nodes");
        });
        assertThat(unpinned).isEmpty();
    }

    @Test
    void aKeeperThatFailsLeavesTheManifestFilesPinnedForTheNextStart() {
        List<OrphanAction> r = orphans.resolve(List.of(pin("m1", "manifest_2026-05-11_090000.json.enc", hoursAgo(3))), Set.of(), null,
                (manifests, gone) -> {
                    throw new IllegalStateException("MongoDB went away");
                }, recordUnpin);
        assertThat(r).singleElement().satisfies(a -> {
            assertThat(a.kept()).isTrue();
            assertThat(a.reason()).contains("MongoDB went away");
        });
        assertThat(unpinned).isEmpty();
    }
}
