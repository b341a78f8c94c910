package org.ipfsbackup.drill;

import com.mongodb.client.MongoClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.ipfsbackup.manifest.BackupChains;
import org.ipfsbackup.manifest.ManifestEntry;

/**
 * A restore drill: restores the newest chain into a scratch target and proves the data against the content digests
 * recorded when its full backup was dumped, then drops what it restored.
 *
 * <p>The rule (digests exist only for the full's own state): the full is restored alone, to its own consistent point,
 * and every collection its digests list (but those of {@code excluded} databases: the manifest's own, never restored)
 * must hold the same number of documents with the same digest. When the chain has incrementals, the whole chain is
 * then restored again to its end (with drop), proving the oplog replay goes through; its state is not compared, as no
 * digest of it exists. The restore time reported (the measured RTO) is that of the restore to the chain's end.
 * A collection written to while the full was being dumped can differ legitimately (the restore replays the full's oplog
 * window up to its consistent point, the digests are of the documents as dumped): on an idle source it never does.
 */
public final class RestoreDrill {

    /** Restores a plan into the target with drop semantics (the drill's scratch target only); returns the namespaces written. */
    @FunctionalInterface
    public interface Restorer {
        List<String> restore(BackupChains.RestorePlan plan) throws Exception;
    }

    /**
     * @param full         the full backup whose digests were compared (its entry gets the outcome)
     * @param incrementals incrementals replayed after it
     * @param differences  one line per collection that differs, naming it; empty when the drill passed
     * @param compared     collections compared
     * @param restore      restore of the chain to its end (the RTO)
     * @param total        the whole drill, drops included
     */
    public record Outcome(ManifestEntry full, int incrementals, List<String> differences, int compared, long documents,
                          Duration restore, Duration total, Instant at) {
        public boolean passed() {
            return differences.isEmpty();
        }

        /** What the manifest entry records: {@code pass}, or {@code fail: } and what differed. */
        public String text() {
            return passed() ? "pass" : "fail: " + String.join("; ", differences);
        }
    }

    private final Clock clock;
    private final Consumer<String> progress;

    public RestoreDrill(Clock clock, Consumer<String> progress) {
        this.clock = clock;
        this.progress = progress;
    }

    /**
     * Runs the drill; a restore that fails is a failed drill (its message is the difference). The databases restored
     * are dropped from the target afterwards, pass or fail.
     *
     * @throws IllegalArgumentException when the manifest holds no full backup, or the newest one has no digests
     */
    public Outcome run(List<ManifestEntry> entries, MongoClient target, Set<String> excluded, Restorer restorer) {
        Instant started = clock.instant();
        BackupChains.RestorePlan plan = BackupChains.planRestore(entries, null);
        ManifestEntry full = plan.full();
        List<CollectionDigest> expected = full.contentDigests().stream()
                .filter(d -> !excluded.contains(d.namespace().substring(0, d.namespace().indexOf('.')))).toList();
        if (full.contentDigests().isEmpty()) {
            throw new IllegalArgumentException("the newest full backup " + full.fileName() + " (" + full.cid() + ") has no content"
                    + " digests (taken before restore drills existed, or empty): take a full backup, then drill");
        }
        Set<String> databases = new TreeSet<>(full.databases());
        expected.forEach(d -> databases.add(d.namespace().substring(0, d.namespace().indexOf('.'))));
        databases.removeAll(excluded);
        // what the target held before: a database that appears during the drill (created by an incremental's oplog
        // replay, which the restore's namespaces do not list) is the drill's and is dropped too
        Set<String> before = new TreeSet<>(target.listDatabaseNames().into(new ArrayList<>()));
        List<String> differences = new ArrayList<>();
        long documents = 0;
        Duration restore = Duration.ZERO;
        try {
            Instant t0 = clock.instant();
            written(restorer.restore(new BackupChains.RestorePlan(full, List.of(), null)), databases, excluded);
            restore = Duration.between(t0, clock.instant());
            List<CollectionDigest> actual = new ArrayList<>();
            for (CollectionDigest e : expected) {
                CollectionDigest a = ContentDigests.ofCollection(target, e.namespace());
                actual.add(a);
                documents += a.documents();
            }
            differences.addAll(ContentDigests.differences(expected, actual));
            progress.accept("drill: full " + full.fileName() + " restored in " + restore.toMillis() + " ms; " + expected.size()
                    + " collections compared, " + (differences.isEmpty() ? "all equal" : differences.size() + " differ"));
            if (!plan.incrementals().isEmpty()) {
                t0 = clock.instant();
                // databases created after the full (only in the incrementals' oplogs) are dropped afterwards too
                written(restorer.restore(plan), databases, excluded);
                restore = Duration.between(t0, clock.instant());
                progress.accept("drill: chain of " + plan.incrementals().size() + " incremental(s) restored to its end in "
                        + restore.toMillis() + " ms");
            }
        } catch (Exception ex) {
            differences.add("restore failed: " + ex.getMessage());
        } finally {
            target.listDatabaseNames().into(new ArrayList<>()).stream().filter(db -> !before.contains(db))
                    .filter(db -> !excluded.contains(db) && !Set.of("admin", "local", "config").contains(db)).forEach(databases::add);
            for (String db : databases) {
                target.getDatabase(db).drop();
            }
            progress.accept("drill: dropped the scratch databases " + databases);
        }
        return new Outcome(full, plan.incrementals().size(), List.copyOf(differences), expected.size(), documents, restore,
                Duration.between(started, clock.instant()), started);
    }

    private static void written(List<String> namespaces, Set<String> databases, Set<String> excluded) {
        if (namespaces != null) {
            namespaces.stream().filter(ns -> ns.indexOf('.') > 0).map(ns -> ns.substring(0, ns.indexOf('.')))
                    .filter(db -> !excluded.contains(db)).forEach(databases::add);
        }
    }

    /** Whether two MongoDB URIs name a common host:port (a drill must never write into the source). */
    public static boolean sameServer(String a, String b) {
        List<String> hostsOfA = new com.mongodb.ConnectionString(a).getHosts().stream().map(RestoreDrill::hostPort).toList();
        return new com.mongodb.ConnectionString(b).getHosts().stream().map(RestoreDrill::hostPort).anyMatch(hostsOfA::contains);
    }

    private static String hostPort(String h) {
        String s = h.toLowerCase(java.util.Locale.ROOT);
        s = s.contains(":") && !s.endsWith("]") ? s : s + ":27017";
        return s.replace("localhost:", "127.0.0.1:");
    }
}
