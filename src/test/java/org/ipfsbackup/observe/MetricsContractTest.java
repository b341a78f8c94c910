package org.ipfsbackup.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ipfsbackup.manifest.ManifestEntry;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.Test;

/**
 * The alert rules (ops/prometheus/alerts.yml) and the Grafana dashboard (ops/grafana/dashboards) against the
 * metrics the code exposes: every {@code ipfs_backup_*} series they name exists from the start (or, for the
 * histograms, after one backup), and every label value they match on is one the code writes (the constants of
 * {@link BackupMetrics}). The shipped {@code IpfsBackupVerificationFailed} matched {@code outcome="failure"} while the
 * code wrote {@code failed}: it could never fire.
 */
class MetricsContractTest {
    private static final Pattern SELECTOR = Pattern.compile("(ipfs_backup_[a-z_]+)(\\{([^}]*)})?");
    private static final Pattern MATCHER = Pattern.compile("([a-z_]+)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");

    /** Every PromQL expression of the rules file and the dashboard, with where it comes from. */
    static Map<String, String> expressions() throws IOException {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        Path dir = Project.dir();
        for (String line : Files.readAllLines(dir.resolve("ops/prometheus/alerts.yml"))) {
            String t = line.trim();
            if (t.startsWith("expr:")) {
                out.put(t.substring(5).trim(), "ops/prometheus/alerts.yml");
            }
        }
        try (var files = Files.list(dir.resolve("ops/grafana/dashboards"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                new ObjectMapper().readTree(f.toFile()).findValues("expr").forEach(e -> out.put(e.asText(), "ops/grafana/dashboards/" + f.getFileName()));
            }
        }
        return out;
    }

    /** The label values the code writes, per metric family and label. */
    static Set<String> allowed(String metric, String label) {
        return switch (label) {
            case "type" -> new TreeSet<>(BackupMetrics.TYPES);
            case "outcome" -> metric.startsWith("ipfs_backup_verifications") ? new TreeSet<>(BackupMetrics.VERIFICATION_OUTCOMES)
                    : metric.startsWith("ipfs_backup_drills") ? new TreeSet<>(BackupMetrics.DRILL_OUTCOMES)
                    : new TreeSet<>(BackupMetrics.OUTCOMES);
            case "event" -> new TreeSet<>(BackupMetrics.ALERT_EVENTS);
            case "reason" -> Set.of("retention", "orphan");
            default -> Set.of();
        };
    }

    /** What is wrong with these expressions against this scrape (empty: nothing). */
    static List<String> problems(Map<String, String> exprs, String scrape) {
        List<String> problems = new ArrayList<>();
        Set<String> exposed = new TreeSet<>();
        scrape.lines().filter(l -> l.startsWith("ipfs_backup_")).forEach(l -> exposed.add(l.split("[{ ]", 2)[0]));
        exprs.forEach((expr, where) -> {
            Matcher s = SELECTOR.matcher(expr);
            while (s.find()) {
                String metric = s.group(1);
                if (!exposed.contains(metric)) {
                    problems.add(where + ": " + metric + " is not exposed (exposed: " + exposed + ") in: " + expr);
                }
                if (s.group(3) != null) {
                    Matcher m = MATCHER.matcher(s.group(3));
                    while (m.find()) {
                        if (m.group(2).equals("=") && !allowed(metric, m.group(1)).contains(m.group(3))) {
                            problems.add(where + ": " + metric + " never has " + m.group(1) + "=\"" + m.group(3) + "\" (the code writes "
                                    + allowed(metric, m.group(1)) + ") in: " + expr);
                        }
                    }
                }
            }
        });
        return problems;
    }

    /** The scrape of a fresh application's metrics after one successful and one failed backup. */
    static String scrapeAfterOneBackup() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BackupMetrics m = new BackupMetrics(r);
        m.backupFinished("full", BackupMetrics.SUCCESS, Duration.ofSeconds(3), 100, 2, Instant.parse("2026-12-01T02:00:00Z"));
        return r.scrape();
    }

    @Test
    void everySeriesAndLabelValueTheRulesAndTheDashboardNameIsWrittenByTheCode() throws IOException {
        Map<String, String> exprs = expressions();
        assertThat(exprs).hasSizeGreaterThan(10);
        assertThat(exprs.values()).contains("ops/prometheus/alerts.yml", "ops/grafana/dashboards/ipfs-backup.json");
        assertThat(problems(exprs, scrapeAfterOneBackup())).isEmpty();
        // the check can fail: the shipped mismatch and the bare histogram names are found
        assertThat(problems(Map.of("increase(ipfs_backup_verifications_total{outcome=\"failed\"}[8d]) > 0", "old rule",
                "rate(ipfs_backup_size_bytes_sum[1d]) or ipfs_backup_size_bytes", "old panel"), scrapeAfterOneBackup()))
                .anySatisfy(p -> assertThat(p).contains("never has outcome=\"failed\""))
                .anySatisfy(p -> assertThat(p).contains("ipfs_backup_size_bytes is not exposed"));
    }

    @Test
    void countersExistWithZeroFromTheStartForEveryKnownLabelValue() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new BackupMetrics(r);
        String text = r.scrape();
        for (String event : BackupMetrics.ALERT_EVENTS) {
            assertThat(text).contains("ipfs_backup_alerts_sent_total{event=\"" + event + "\"} 0.0");
        }
        assertThat(BackupMetrics.ALERT_EVENTS).contains("backup_failure", "verification_failure", "no_recent_backup");
        for (String outcome : BackupMetrics.VERIFICATION_OUTCOMES) {
            assertThat(text).contains("ipfs_backup_verifications_total{outcome=\"" + outcome + "\"} 0.0");
        }
        for (String type : BackupMetrics.TYPES) {
            for (String outcome : BackupMetrics.OUTCOMES) {
                assertThat(text).contains("ipfs_backup_backups_total{outcome=\"" + outcome + "\",type=\"" + type + "\"} 0.0");
            }
        }
    }

    @Test
    void aDrillCountsItsOutcomeAndSetsTheMeasuredRestoreTime() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BackupMetrics m = new BackupMetrics(r);
        assertThat(r.scrape()).contains("ipfs_backup_drills_total{outcome=\"failure\"} 0.0", "ipfs_backup_drills_total{outcome=\"success\"} 0.0");
        assertThat(value(r.scrape(), "ipfs_backup_drill_duration_seconds")).isNaN();
        m.drill(false, java.time.Duration.ofMillis(2500));
        String text = r.scrape();
        assertThat(text).contains("ipfs_backup_drills_total{outcome=\"failure\"} 1.0", "ipfs_backup_drills_total{outcome=\"success\"} 0.0");
        assertThat(value(text, "ipfs_backup_drill_duration_seconds")).isEqualTo(2.5);
    }

    static ManifestEntry entry(String type, String cid, Instant t, List<String> peers) {
        return ManifestEntry.builder(type, cid, t).file(cid + ".tar.gz.enc", 1, "00").encrypted(true).databases(List.of("shop"))
                .source("7.0", "rs0").durationMs(1).peers(peers).status(ManifestEntry.COMPLETE).engine("driver").compression("gzip")
                .key("k1", null).build();
    }

    static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(series + " in\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theGaugesStartFromTheManifestTheClusterAndTheOplogInsteadOfNaN() {
        Instant t = Instant.parse("2026-12-01T02:00:00Z");
        List<ManifestEntry> manifest = List.of(entry("full", "QmOld", t.minusSeconds(86400 * 7), List.of("p1", "p2")),
                entry("full", "QmNew", t, List.of("p1", "p2")), entry("incremental", "QmInc", t.plusSeconds(3600), List.of("p1", "p2")));
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BackupMetrics m = new BackupMetrics(r);
        assertThat(value(r.scrape(), "ipfs_backup_peers_pinned{type=\"full\"}")).isNaN();
        assertThat(value(r.scrape(), "ipfs_backup_oplog_window_seconds")).isNaN();
        List<String> asked = new ArrayList<>();
        m.seed(manifest, cid -> {
            asked.add(cid);
            return cid.equals("QmNew") ? 1 : 2; // the cluster lost one pin of the newest full
        }, () -> Duration.ofHours(40));
        String text = r.scrape();
        assertThat(asked).containsExactlyInAnyOrder("QmNew", "QmInc");
        assertThat(value(text, "ipfs_backup_peers_pinned{type=\"full\"}")).isEqualTo(1.0);
        assertThat(value(text, "ipfs_backup_peers_pinned{type=\"incremental\"}")).isEqualTo(2.0);
        assertThat(value(text, "ipfs_backup_oplog_window_seconds")).isEqualTo(40 * 3600.0);
        assertThat(value(text, "ipfs_backup_last_success_timestamp_seconds{type=\"full\"}")).isEqualTo((double) t.getEpochSecond());

        // the cluster and MongoDB not answering: the peers the manifest recorded, the oplog window left to the watchdog
        PrometheusMeterRegistry r2 = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new BackupMetrics(r2).seed(manifest, cid -> {
            throw new IllegalStateException("cluster down");
        }, () -> {
            throw new IllegalStateException("mongodb down");
        });
        String text2 = r2.scrape();
        assertThat(value(text2, "ipfs_backup_peers_pinned{type=\"full\"}")).isEqualTo(2.0);
        assertThat(value(text2, "ipfs_backup_oplog_window_seconds")).isNaN();

        // no backup at all: nothing to count peers of
        PrometheusMeterRegistry r3 = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new BackupMetrics(r3).seed(List.of(), cid -> 2, () -> Duration.ofHours(1));
        assertThat(value(r3.scrape(), "ipfs_backup_peers_pinned{type=\"full\"}")).isNaN();
        assertThat(value(r3.scrape(), "ipfs_backup_oplog_window_seconds")).isEqualTo(3600.0);
    }
}
