package org.ipfsbackup.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ipfsbackup.retention.Backups.NOW;
import static org.ipfsbackup.retention.Backups.cids;
import static org.ipfsbackup.retention.Backups.clockAt;
import static org.ipfsbackup.retention.Backups.daysAgo;
import static org.ipfsbackup.retention.Backups.deleted;
import static org.ipfsbackup.retention.Backups.full;
import static org.ipfsbackup.retention.Backups.inc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.ipfsbackup.manifest.ManifestEntry;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {
    final RetentionPolicy policy = new RetentionPolicy(RetentionSettings.defaults(), clockAt(NOW));

    Map<String, RetentionDecision> byCid(List<ManifestEntry> manifest) {
        return policy.decide(manifest).stream().collect(Collectors.toMap(d -> d.entry().cid(), d -> d));
    }

    @Test
    void everythingYoungNothingExpires() {
        List<ManifestEntry> m = List.of(full("F1", daysAgo(80)), inc("I1", daysAgo(79), "F1", "F1"), inc("I2", daysAgo(78), "F1", "I1"),
                full("F2", daysAgo(10)), inc("I3", daysAgo(9), "F2", "F2"));
        assertThat(policy.toExpire(m)).isEmpty();
        assertThat(policy.decide(m)).hasSize(5).noneMatch(RetentionDecision::expire);
        assertThat(byCid(m).get("F1").reason()).isEqualTo("kept: within the last 90 days (" + daysAgo(80) + ")");
        assertThat(byCid(m).get("I3").reason()).isEqualTo("kept: newest full backup's chain");
    }

    @Test
    void aChainOlderThanThePeriodExpiresEntirelyWhenANewerChainExists() {
        List<ManifestEntry> m = List.of(full("F1", daysAgo(120)), inc("I1", daysAgo(119), "F1", "F1"), inc("I2", daysAgo(118), "F1", "I1"),
                full("F2", daysAgo(30)), inc("I3", daysAgo(29), "F2", "F2"));
        assertThat(cids(policy.toExpire(m))).containsExactly("F1", "I1", "I2");
        assertThat(byCid(m).get("F1").reason()).isEqualTo("older than 90 days (" + daysAgo(120) + ")");
        assertThat(byCid(m).get("I2").reason()).isEqualTo("older than 90 days (2026-07-06T12:00:00Z)");
    }

    @Test
    void slicesExpireWithTheirChainAndKeepItWhileTheyAreYoung() {
        ManifestEntry s1 = inc("S1", daysAgo(119), "F1", "F1").toBuilder().slice(true).build();
        ManifestEntry s2 = inc("S2", daysAgo(118), "F1", "S1").toBuilder().slice(true).build();
        List<ManifestEntry> m = List.of(full("F1", daysAgo(120)), s1, s2, full("F2", daysAgo(30)),
                inc("S3", daysAgo(29), "F2", "F2").toBuilder().slice(true).build());
        assertThat(cids(policy.toExpire(m))).containsExactly("F1", "S1", "S2");
        // a young slice keeps the whole chain it depends on
        List<ManifestEntry> young = List.of(full("F1", daysAgo(120)), s1, inc("S4", daysAgo(85), "F1", "S1").toBuilder().slice(true).build(),
                full("F2", daysAgo(10)));
        assertThat(policy.toExpire(young)).isEmpty();
        assertThat(byCid(young).get("F1").reason()).isEqualTo("kept: incremental S4 depends on it");
    }

    @Test
    void aChainWhoseNewestIncrementalIsWithinThePeriodStaysWhole() {
        List<ManifestEntry> m = List.of(full("F1", daysAgo(120)), inc("I1", daysAgo(100), "F1", "F1"), inc("I2", daysAgo(95), "F1", "I1"),
                inc("I3", daysAgo(85), "F1", "I2"), full("F2", daysAgo(10)));
        assertThat(policy.toExpire(m)).isEmpty();
        Map<String, RetentionDecision> d = byCid(m);
        assertThat(d.get("F1").reason()).isEqualTo("kept: incremental I3 depends on it");
        assertThat(d.get("I1").reason()).isEqualTo("kept: incremental I3 depends on it");
        assertThat(d.get("I2").reason()).isEqualTo("kept: incremental I3 depends on it");
        assertThat(d.get("I3").reason()).startsWith("kept: within the last 90 days");
    }

    @Test
    void aBackupKeptForOthersNamesTheNewestOneNeedingIt() {
        // F1 stays as long as I4 does, so I4 is the one worth naming
        List<ManifestEntry> m = List.of(full("F1", daysAgo(120)), inc("I1", daysAgo(100), "F1", "F1"), inc("I2", daysAgo(85), "F1", "I1"),
                inc("I3", daysAgo(80), "F1", "I2"), full("F2", daysAgo(10)));
        Map<String, RetentionDecision> d = byCid(m);
        assertThat(d.get("F1").reason()).isEqualTo("kept: incremental I3 depends on it");
        assertThat(d.get("I1").reason()).isEqualTo("kept: incremental I3 depends on it");
        assertThat(d.get("I2").reason()).startsWith("kept: within the last 90 days");
    }

    @Test
    void aFullNamedAsBaseByAKeptIncrementalIsKeptEvenAcrossABrokenLink() {
        List<ManifestEntry> m = List.of(full("F1", daysAgo(300)), deleted(inc("I1", daysAgo(299), "F1", "F1")),
                inc("I2", daysAgo(50), "F1", "I1"), full("F2", daysAgo(10)));
        assertThat(policy.toExpire(m)).isEmpty();
        assertThat(byCid(m).get("F1").reason()).isEqualTo("kept: incremental I2 depends on it");
    }

    @Test
    void aForkKeepsOnlyTheBranchStillNeeded() {
        // I2a and I2b both follow I1: I2b is young and needs I1 and F1; the old branch I2a is needed by nothing
        List<ManifestEntry> m = List.of(full("F1", daysAgo(200)), inc("I1", daysAgo(190), "F1", "F1"),
                inc("I2a", daysAgo(100), "F1", "I1"), inc("I2b", daysAgo(50), "F1", "I1"), full("F2", daysAgo(5)));
        assertThat(cids(policy.toExpire(m))).containsExactly("I2a");
        assertThat(byCid(m).get("I1").reason()).isEqualTo("kept: incremental I2b depends on it");
    }

    @Test
    void theNewestChainIsKeptEvenWhenAllOfItIsAncient() {
        List<ManifestEntry> m = List.of(full("F1", daysAgo(400)), inc("I1", daysAgo(399), "F1", "F1"),
                full("F2", daysAgo(300)), inc("I2", daysAgo(299), "F2", "F2"), inc("I3", daysAgo(298), "F2", "I2"));
        assertThat(cids(policy.toExpire(m))).containsExactly("F1", "I1");
        Map<String, RetentionDecision> d = byCid(m);
        assertThat(List.of(d.get("F2"), d.get("I2"), d.get("I3"))).allSatisfy(x -> {
            assertThat(x.expire()).isFalse();
            assertThat(x.reason()).isEqualTo("kept: newest full backup's chain");
        });
    }

    @Test
    void aLoneAncientFullIsKept() {
        assertThat(policy.toExpire(List.of(full("F1", daysAgo(1000))))).isEmpty();
    }

    @Test
    void theNewestBackupIsKeptWhenItContinuesAnOlderChain() {
        // F2 has no oplog position, so incrementals went on after F1; then backups stopped for months
        List<ManifestEntry> m = List.of(full("F0", daysAgo(400)), full("F1", daysAgo(300)), full("F2", daysAgo(250)),
                inc("I1", daysAgo(260), "F1", "F1"), inc("I2", daysAgo(200), "F1", "I1"));
        assertThat(cids(policy.toExpire(m))).containsExactly("F0");
        Map<String, RetentionDecision> d = byCid(m);
        assertThat(d.get("F2").reason()).isEqualTo("kept: newest full backup's chain");
        assertThat(d.get("I2").reason()).isEqualTo("kept: newest backup");
        assertThat(d.get("F1").reason()).isEqualTo("kept: incremental I2 depends on it");
    }

    @Test
    void theBoundaryIsExactlyThePeriod() {
        Instant cutoff = NOW.minus(Duration.ofDays(90));
        List<ManifestEntry> m = List.of(full("ON", cutoff), full("JUST_OLDER", cutoff.minusSeconds(1)), full("NEW", daysAgo(1)));
        assertThat(cids(policy.toExpire(m))).containsExactly("JUST_OLDER");
        assertThat(byCid(m).get("ON").reason()).isEqualTo("kept: within the last 90 days (2026-08-03T12:00:00Z)");
    }

    @Test
    void deletedEntriesAreIgnored() {
        List<ManifestEntry> m = List.of(full("F1", daysAgo(200)), deleted(full("F0", daysAgo(300))), full("F2", daysAgo(150)),
                deleted(full("F3", daysAgo(100))), deleted(full("F4", daysAgo(1))));
        List<RetentionDecision> decisions = policy.decide(m);
        assertThat(decisions).extracting(d -> d.entry().cid()).containsExactly("F1", "F2");
        // the deleted F3 and F4 do not count as the newest full: F2 is, and is kept
        assertThat(cids(policy.toExpire(m))).containsExactly("F1");
    }

    @Test
    void anIncrementalAfterADeletedBackupIsBrokenAndExpiresByAgeAlone() {
        List<ManifestEntry> m = List.of(full("F1", daysAgo(300)), deleted(inc("I1", daysAgo(299), "F1", "F1")),
                inc("I2", daysAgo(298), "F1", "I1"), inc("I3", daysAgo(297), "F1", "I2"), full("F2", daysAgo(10)),
                deleted(inc("J1", daysAgo(9), "F2", "F2")), inc("J2", daysAgo(8), "F2", "J1"));
        assertThat(cids(policy.toExpire(m))).containsExactly("F1", "I2", "I3");
        assertThat(byCid(m).get("J2").expire()).isFalse(); // broken, but within the period: not deleted on a guess
    }

    @Test
    void decisionsAreSortedByTimeAndDoNotDependOnTheManifestOrder() {
        List<ManifestEntry> m = new ArrayList<>(List.of(full("F1", daysAgo(120)), inc("I1", daysAgo(119), "F1", "F1"),
                full("B", daysAgo(100)), full("A", daysAgo(100)), full("F2", daysAgo(30)), inc("I2", daysAgo(29), "F2", "F2")));
        List<RetentionDecision> expected = policy.decide(m);
        assertThat(expected).extracting(d -> d.entry().cid()).containsExactly("F1", "I1", "A", "B", "F2", "I2");
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            Collections.shuffle(m, random);
            assertThat(policy.decide(m)).isEqualTo(expected);
        }
    }

    @Test
    void theClockDecidesWhatIsOld() {
        List<ManifestEntry> m = List.of(full("F1", daysAgo(60)), full("F2", daysAgo(1)));
        assertThat(policy.toExpire(m)).isEmpty();
        assertThat(cids(new RetentionPolicy(RetentionSettings.defaults(), clockAt(NOW.plus(Duration.ofDays(31)))).toExpire(m)))
                .containsExactly("F1");
        assertThat(cids(new RetentionPolicy(new RetentionSettings(30, 0, 0, 0), clockAt(NOW)).toExpire(m))).containsExactly("F1");
    }

    @Test
    void anEmptyManifestExpiresNothing() {
        assertThat(policy.decide(List.of())).isEmpty();
    }

    @Test
    void aDamagedCompleteEntryStopsTheDecision() {
        ManifestEntry noTime = Backups.entry("full", "F9", Instant.EPOCH, null, null, ManifestEntry.COMPLETE);
        ManifestEntry broken = ManifestEntry.builder(noTime.type(), noTime.cid(), null).file(null, 1, null).durationMs(1).build();
        assertThatThrownBy(() -> policy.decide(List.of(full("F1", daysAgo(1)), broken)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F9");
    }
}
