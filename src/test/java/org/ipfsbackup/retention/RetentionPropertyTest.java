package org.ipfsbackup.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ipfsbackup.retention.Backups.NOW;
import static org.ipfsbackup.retention.Backups.clockAt;
import static org.ipfsbackup.retention.Backups.deleted;
import static org.ipfsbackup.retention.Backups.full;
import static org.ipfsbackup.retention.Backups.inc;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.ipfsbackup.manifest.ManifestEntry;
import org.junit.jupiter.api.Test;

/**
 * Random manifests (chains of random length and age, forks, broken links, deleted entries) under random settings.
 * Checked for every one:
 * <ul>
 * <li>one decision per complete entry, oldest first, the same whatever the input order;</li>
 * <li>nothing within the period expires, without exception;</li>
 * <li>no chain is broken: whatever a kept backup needs (previous, baseBackup, transitively) is kept;</li>
 * <li>the newest full and everything built on it are kept, and so is the newest restorable backup;</li>
 * <li>GFS: the newest restorable backup of each of the N newest periods that have one is kept;</li>
 * <li>nothing more is kept: the kept set is exactly the closure of those rules, computed here independently.</li>
 * </ul>
 */
class RetentionPropertyTest {
    static final int MANIFESTS = 400;

    @Test
    void randomManifests() {
        int withGfs = 0;
        int withExpiry = 0;
        int keptOld = 0;
        for (int i = 0; i < MANIFESTS; i++) {
            long seed = 20261101L + i;
            Random random = new Random(seed);
            List<ManifestEntry> manifest = randomManifest(random);
            boolean gfs = random.nextBoolean();
            RetentionSettings settings = new RetentionSettings(1 + random.nextInt(200), gfs ? random.nextInt(10) : 0,
                    gfs ? random.nextInt(6) : 0, gfs ? random.nextInt(13) : 0);
            Result r = check("seed " + seed + " " + settings, manifest, settings, random);
            withGfs += settings.gfs() ? 1 : 0;
            withExpiry += r.expired > 0 ? 1 : 0;
            keptOld += r.keptOld > 0 ? 1 : 0;
        }
        // the generator covers the interesting cases
        assertThat(withGfs).isGreaterThan(MANIFESTS / 4);
        assertThat(withExpiry).isGreaterThan(MANIFESTS / 4);
        assertThat(keptOld).isGreaterThan(MANIFESTS / 4);
    }

    record Result(int expired, int keptOld) {
    }

    static Result check(String what, List<ManifestEntry> manifest, RetentionSettings settings, Random random) {
        RetentionPolicy policy = new RetentionPolicy(settings, clockAt(NOW));
        List<RetentionDecision> decisions = policy.decide(manifest);
        Instant cutoff = NOW.minus(Duration.ofDays(settings.retentionDays()));
        List<ManifestEntry> complete = manifest.stream().filter(e -> ManifestEntry.COMPLETE.equals(e.status())).toList();
        Map<String, ManifestEntry> byCid = complete.stream().collect(Collectors.toMap(ManifestEntry::cid, Function.identity()));
        Set<String> kept = decisions.stream().filter(d -> !d.expire()).map(d -> d.entry().cid()).collect(Collectors.toSet());

        // one decision per complete entry, sorted; the same for any input order; toExpire agrees
        assertThat(decisions).as(what).extracting(RetentionDecision::entry).containsExactlyInAnyOrderElementsOf(complete);
        assertThat(decisions).as(what).extracting(d -> d.entry().timestamp()).isSorted();
        List<ManifestEntry> shuffled = new ArrayList<>(manifest);
        Collections.shuffle(shuffled, random);
        assertThat(policy.decide(shuffled)).as(what).isEqualTo(decisions);
        assertThat(policy.toExpire(manifest)).as(what)
                .isEqualTo(decisions.stream().filter(RetentionDecision::expire).map(RetentionDecision::entry).toList());
        for (RetentionDecision d : decisions) {
            assertThat(d.reason()).as(what).isNotBlank();
            assertThat(d.reason().startsWith("kept: ")).as(what).isNotEqualTo(d.expire());
        }

        // nothing within the period expires
        for (RetentionDecision d : decisions) {
            if (d.expire()) {
                assertThat(d.entry().timestamp()).as(what + " expired " + d.entry().cid()).isBefore(cutoff);
            }
        }

        // no chain is broken
        for (String cid : kept) {
            assertThat(kept).as(what + " needs of kept " + cid).containsAll(needsTransitively(byCid.get(cid), byCid));
        }

        // the newest full, its chain and the newest restorable backup are kept
        ManifestEntry newestFull = complete.stream().filter(ManifestEntry::isFull).max(order()).orElse(null);
        Set<String> anchors = new HashSet<>();
        if (newestFull != null) {
            for (ManifestEntry e : complete) {
                if (e == newestFull || needsTransitively(e, byCid).contains(newestFull.cid())) {
                    anchors.add(e.cid());
                }
            }
        }
        List<ManifestEntry> restorable = complete.stream().filter(e -> restorable(e, byCid)).toList();
        restorable.stream().max(order()).ifPresent(e -> anchors.add(e.cid()));
        assertThat(kept).as(what + " newest chain").containsAll(anchors);

        // GFS points are kept
        Set<String> gfs = new HashSet<>();
        gfs.addAll(gfsPoints(restorable, settings.keepDaily(), t -> LocalDate.ofInstant(t, ZoneOffset.UTC).toString()));
        gfs.addAll(gfsPoints(restorable, settings.keepWeekly(), t -> {
            LocalDate d = LocalDate.ofInstant(t, ZoneOffset.UTC);
            return d.get(IsoFields.WEEK_BASED_YEAR) + "/" + d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
        }));
        gfs.addAll(gfsPoints(restorable, settings.keepMonthly(), t -> YearMonth.from(LocalDate.ofInstant(t, ZoneOffset.UTC)).toString()));
        assertThat(kept).as(what + " GFS").containsAll(gfs);

        // and nothing else: the kept set is the closure of young + anchors + GFS under "needs"
        Set<String> expected = new HashSet<>(anchors);
        expected.addAll(gfs);
        complete.stream().filter(e -> !e.timestamp().isBefore(cutoff)).forEach(e -> expected.add(e.cid()));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (String cid : new ArrayList<>(expected)) {
                ManifestEntry e = byCid.get(cid);
                for (String n : new String[] {e.previous(), e.baseBackup()}) {
                    if (!e.isFull() && n != null && byCid.containsKey(n) && expected.add(n)) {
                        grew = true;
                    }
                }
            }
        }
        assertThat(kept).as(what + " exactly").isEqualTo(expected);

        int keptOld = (int) complete.stream().filter(e -> kept.contains(e.cid()) && e.timestamp().isBefore(cutoff)).count();
        return new Result(complete.size() - kept.size(), keptOld);
    }

    /** The newest restorable backup of each of the {@code n} newest periods that have one. */
    static Set<String> gfsPoints(List<ManifestEntry> restorable, int n, Function<Instant, String> period) {
        Map<String, ManifestEntry> newestPerPeriod = new HashMap<>();
        for (ManifestEntry e : restorable) {
            newestPerPeriod.merge(period.apply(e.timestamp()), e, (a, b) -> order().compare(a, b) >= 0 ? a : b);
        }
        return newestPerPeriod.values().stream().sorted(order().reversed()).limit(n).map(ManifestEntry::cid).collect(Collectors.toSet());
    }

    static Comparator<ManifestEntry> order() {
        return Comparator.comparing(ManifestEntry::timestamp).thenComparing(ManifestEntry::cid);
    }

    static Set<String> needsTransitively(ManifestEntry start, Map<String, ManifestEntry> byCid) {
        Set<String> out = new HashSet<>();
        List<ManifestEntry> todo = new ArrayList<>(List.of(start));
        while (!todo.isEmpty()) {
            ManifestEntry e = todo.remove(todo.size() - 1);
            if (e.isFull()) {
                continue;
            }
            for (String n : new String[] {e.previous(), e.baseBackup()}) {
                if (n != null && byCid.containsKey(n) && out.add(n)) {
                    todo.add(byCid.get(n));
                }
            }
        }
        return out;
    }

    static boolean restorable(ManifestEntry e, Map<String, ManifestEntry> byCid) {
        ManifestEntry cur = e;
        for (int steps = 0; !cur.isFull(); steps++) {
            cur = cur.previous() == null || steps > byCid.size() ? null : byCid.get(cur.previous());
            if (cur == null) {
                return false;
            }
        }
        return e.isFull() || e.baseBackup().equals(cur.cid());
    }

    /** 1 to 6 chains, each a full 0 to 400 days old and 0 to 12 incrementals; some forks, broken links and deleted entries. */
    static List<ManifestEntry> randomManifest(Random random) {
        List<ManifestEntry> out = new ArrayList<>();
        int chains = 1 + random.nextInt(6);
        for (int c = 0; c < chains; c++) {
            Instant t = NOW.minus(Duration.ofMinutes(random.nextInt(400 * 24 * 60)));
            String fullCid = "F" + c;
            List<ManifestEntry> chain = new ArrayList<>(List.of(full(fullCid, t)));
            int incrementals = random.nextInt(13);
            for (int k = 0; k < incrementals; k++) {
                t = t.plus(Duration.ofMinutes(60 + random.nextInt(15 * 24 * 60)));
                ManifestEntry previous = random.nextInt(10) == 0 ? chain.get(random.nextInt(chain.size())) : chain.get(chain.size() - 1);
                String previousCid = random.nextInt(25) == 0 ? "GONE" + c + "-" + k : previous.cid();
                chain.add(inc("I" + c + "-" + k, t, fullCid, previousCid));
            }
            out.addAll(chain);
        }
        out.replaceAll(e -> random.nextInt(12) == 0 ? deleted(e) : e);
        return out;
    }
}
