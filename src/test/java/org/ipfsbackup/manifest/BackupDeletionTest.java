package org.ipfsbackup.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ipfsbackup.manifest.BackupChainsTest.T0;
import static org.ipfsbackup.manifest.BackupChainsTest.full;
import static org.ipfsbackup.manifest.BackupChainsTest.inc;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chain rule of {@code delete}: who builds on a backup, and which restore points go with it. */
class BackupDeletionTest {
    final ManifestEntry f1 = full("F1", T0);
    final ManifestEntry i1 = inc("I1", T0 + 10, T0 + 86400, "F1", "F1");
    final ManifestEntry i2 = inc("I2", T0 + 86401, T0 + 2 * 86400, "F1", "I1");
    final ManifestEntry f2 = full("F2", T0 + 7 * 86400);
    final ManifestEntry i3 = inc("I3", T0 + 7 * 86400 + 5, T0 + 8 * 86400, "F2", "F2");
    final List<ManifestEntry> all = List.of(f1, i1, i2, f2, i3);

    static Instant at(long sec) {
        return Instant.ofEpochSecond(sec);
    }

    @Test
    void aFullWithIncrementalsIsRefusedNamingThem() {
        BackupDeletion.Plan p = BackupDeletion.plan(all, "F1");
        assertThat(p.breaksChain()).isTrue();
        assertThat(p.dependents()).extracting(ManifestEntry::cid).containsExactly("I1", "I2");
        assertThat(p.refusal()).contains("F1").contains("I1").contains("I2").contains("--force");
        // the whole chain of F1 is no longer reachable; F2's chain still is
        assertThat(p.lost()).extracting(BackupChains.Window::from, BackupChains.Window::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(at(T0), at(T0 + 2 * 86400 - 1)));
    }

    @Test
    void aMiddleIncrementalBreaksTheRestOfItsChain() {
        BackupDeletion.Plan p = BackupDeletion.plan(all, "I1");
        assertThat(p.dependents()).extracting(ManifestEntry::cid).containsExactly("I2");
        assertThat(p.lostText()).isEqualTo(at(T0) + " .. " + at(T0 + 2 * 86400 - 1));
    }

    @Test
    void theLastIncrementalOfAChainIsNotRefusedAndLosesOnlyItsSpan() {
        BackupDeletion.Plan p = BackupDeletion.plan(all, "I2");
        assertThat(p.breaksChain()).isFalse();
        assertThat(p.refusal()).isNull();
        assertThat(p.lost()).extracting(BackupChains.Window::from, BackupChains.Window::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(at(T0 + 86400), at(T0 + 2 * 86400 - 1)));
    }

    @Test
    void theNewestBackupLosesTheNewestStateEvenWithoutAWindow() {
        // F2 alone: its oplog holds no whole second, so no window; 'restore latest' restored it
        BackupDeletion.Plan p = BackupDeletion.plan(List.of(f1, i1, i2, f2), "F2");
        assertThat(p.breaksChain()).isFalse();
        assertThat(p.lost()).extracting(BackupChains.Window::from).containsExactly(f2.timestamp());
    }

    @Test
    void deletedEntriesBuildNothing() {
        ManifestEntry goneI1 = i1.toBuilder().status(ManifestEntry.DELETED).deletedAt(Instant.now()).build();
        // I2 still names F1 as its base, so F1 stays needed by it
        assertThat(BackupDeletion.plan(List.of(f1, goneI1, i2), "F1").dependents()).extracting(ManifestEntry::cid).containsExactly("I2");
        // the deleted I1 itself has no dependents: deleting it again is not refused
        assertThat(BackupDeletion.plan(List.of(f1, goneI1, i2), "I1").breaksChain()).isFalse();
    }

    @Test
    void anUnknownCidIsAClearError() {
        assertThatThrownBy(() -> BackupDeletion.plan(all, "bafyunknown")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no backup with CID bafyunknown");
    }

    @Test
    void windowSubtraction() {
        var w = List.of(new BackupChains.Window(at(0), at(100), "F"));
        assertThat(BackupDeletion.minus(w, List.of(new BackupChains.Window(at(10), at(20), "F"))))
                .extracting(BackupChains.Window::from, BackupChains.Window::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(at(0), at(9)), org.assertj.core.groups.Tuple.tuple(at(21), at(100)));
        assertThat(BackupDeletion.minus(w, w)).isEmpty();
        assertThat(BackupDeletion.minus(w, List.of())).hasSize(1);
    }
}
