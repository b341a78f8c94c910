package org.ipfsbackup.retention;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ipfsbackup.manifest.ManifestEntry;

/**
 * The restore points GFS rules keep: per rule, the newest restorable backup of each of the N most recent periods
 * that have one (periods without any backup are skipped and do not use up the count, so an outage does not thin
 * out the history an operator asked for; this is how restic and borg count too).
 */
final class GfsSelection {
    private GfsSelection() {
    }

    /** CID to its labels, e.g. {@code ["daily 2026-07-31", "weekly 2026-W31"]}; empty when GFS is off. */
    static Map<String, List<String>> select(BackupGraph graph, RetentionSettings settings) {
        Map<String, List<String>> labels = new LinkedHashMap<>();
        if (!settings.gfs()) {
            return labels;
        }
        List<ManifestEntry> newestFirst = new ArrayList<>(graph.entries().stream().filter(graph::restorable).toList());
        newestFirst.sort(BackupGraph.ORDER.reversed());
        pick(GfsPeriod.DAILY, settings.keepDaily(), newestFirst, labels);
        pick(GfsPeriod.WEEKLY, settings.keepWeekly(), newestFirst, labels);
        pick(GfsPeriod.MONTHLY, settings.keepMonthly(), newestFirst, labels);
        return labels;
    }

    private static void pick(GfsPeriod period, int count, List<ManifestEntry> newestFirst, Map<String, List<String>> labels) {
        Set<String> periods = new HashSet<>();
        for (ManifestEntry e : newestFirst) {
            if (periods.size() >= count) {
                return;
            }
            String label = period.label(e.timestamp());
            if (periods.add(label)) { // the first one seen in a period is its newest
                labels.computeIfAbsent(e.cid(), k -> new ArrayList<>()).add(period.word() + " " + label);
            }
        }
    }
}
