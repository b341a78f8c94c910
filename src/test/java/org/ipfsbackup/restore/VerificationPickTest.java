package org.ipfsbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.ipfsbackup.manifest.ManifestEntry;
import org.junit.jupiter.api.Test;

/** The scheduled verification's pick: a kind first, so thousands of slices do not crowd out the fulls. */
class VerificationPickTest {
    @Test
    void eachKindIsPickedAboutAsOftenHoweverManySlicesThereAre() {
        Instant t = Instant.parse("2026-11-01T00:00:00Z");
        List<ManifestEntry> all = new ArrayList<>();
        all.add(ManifestEntry.full("F", t).build());
        all.add(ManifestEntry.incremental("I", t, "F", "F").build());
        for (int i = 0; i < 13_000; i++) {
            all.add(ManifestEntry.incremental("S" + i, t, "F", "I").slice(true).build());
        }
        Random random = new Random(42);
        Map<String, Long> picked = java.util.stream.IntStream.range(0, 3000).mapToObj(i -> BackupVerifier.pick(all, random))
                .collect(Collectors.groupingBy(e -> e.isSliceEntry() ? "slice" : e.type(), Collectors.counting()));
        assertThat(picked).containsOnlyKeys("full", "incremental", "slice");
        picked.values().forEach(n -> assertThat(n).isBetween(850L, 1150L));
        // without slices: the two kinds
        assertThat(BackupVerifier.pick(List.of(all.get(0)), random).cid()).isEqualTo("F");
    }
}
