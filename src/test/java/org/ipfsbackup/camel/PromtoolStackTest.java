package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ipfsbackup.observe.MetricsContractTestAccess;
import org.ipfsbackup.testing.FakeCluster;
import org.ipfsbackup.testing.InJvmMongo;
import org.ipfsbackup.testing.Project;
import org.ipfsbackup.testing.TestSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Prometheus' own promtool (built with the stack by {@code bin/devstack build} into .stack/bin; missing: this fails)
 * on what ships: {@code check rules} and {@code test rules} (ops/prometheus/alerts.test.yml, where every rule of
 * alerts.yml is shown firing and not firing), and {@code check metrics} on the real /observe/metrics output of a
 * running application after a backup. Our {@code ipfs_backup_*} families must be clean; Camel's own series
 * ({@code camel_*}, {@code jvm_*}, ...: camelCase labels, no HELP) are Camel's, counted and not judged.
 */
@Tag("stack")
class PromtoolStackTest {
    @TempDir
    Path work;

    static Path promtool() {
        String configured = System.getProperty("devstack.bin", System.getenv("STACK_BIN"));
        Path bin = configured != null && !configured.isBlank() ? Path.of(configured) : Project.dir().resolve(".stack/bin");
        Path p = bin.resolve("promtool");
        assertThat(p).as("promtool in " + bin + " (bin/devstack build builds it)").isExecutable();
        return p;
    }

    record Run(int exit, String output) {
    }

    static Run promtool(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(promtool().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(Project.dir().toFile()).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyShippedAlertRuleIsValidAndUnitTestedFiringAndNotFiring() throws Exception {
        Run check = promtool(null, "check", "rules", "ops/prometheus/alerts.yml");
        assertThat(check.exit()).as(check.output()).isZero();
        Run test = promtool(null, "test", "rules", "ops/prometheus/alerts.test.yml");
        assertThat(test.exit()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");

        Load yaml = new Load(LoadSettings.builder().build());
        List<String> rules = new ArrayList<>();
        for (Map<String, Object> g : (List<Map<String, Object>>) ((Map<String, Object>) yaml.loadFromString(
                Files.readString(Project.dir().resolve("ops/prometheus/alerts.yml")))).get("groups")) {
            for (Map<String, Object> r : (List<Map<String, Object>>) g.get("rules")) {
                rules.add((String) r.get("alert"));
            }
        }
        assertThat(rules).hasSize(7);
        Map<String, Object> tests = (Map<String, Object>) yaml.loadFromString(Files.readString(Project.dir().resolve("ops/prometheus/alerts.test.yml")));
        List<Map<String, Object>> cases = new ArrayList<>();
        for (Map<String, Object> t : (List<Map<String, Object>>) tests.get("tests")) {
            cases.addAll((List<Map<String, Object>>) t.get("alert_rule_test"));
        }
        for (String rule : rules) {
            assertThat(cases).as(rule + " shown not firing").anySatisfy(c -> {
                assertThat(c.get("alertname")).isEqualTo(rule);
                assertThat((List<?>) c.get("exp_alerts")).isEmpty();
            });
            assertThat(cases).as(rule + " shown firing").anySatisfy(c -> {
                assertThat(c.get("alertname")).isEqualTo(rule);
                assertThat((List<?>) c.get("exp_alerts")).isNotEmpty();
            });
        }
    }

    @Test
    void theRealMetricsOutputPassesPromtoolAndHoldsEverySeriesTheRulesAndTheDashboardName() throws Exception {
        try (InJvmMongo mongo = InJvmMongo.start(false); FakeCluster cluster = new FakeCluster()) {
            int port = ObservabilityRouteTest.freePort();
            Map<String, String> o = TestSettings.routeTest(mongo.uri(), cluster.url(), work);
            o.put("dump.oplog", "false");
            o.put("camel.management.enabled", "true");
            o.put("camel.management.port", Integer.toString(port));
            BackupApplication app = TestSettings.start(Project.routes(), o);
            String text;
            try {
                assertThat(app.runBackup("full").failure()).isNull();
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/observe/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                text = r.body();
            } finally {
                app.close();
            }
            // ours: every line of the ipfs_backup_* families (HELP, TYPE, samples)
            StringBuilder ours = new StringBuilder();
            text.lines().filter(l -> l.startsWith("ipfs_backup_") || l.matches("# (HELP|TYPE) ipfs_backup_.*"))
                    .forEach(l -> ours.append(l).append('\n'));
            assertThat(ours.toString()).contains("# HELP ipfs_backup_backups_total", "ipfs_backup_alerts_sent_total{event=\"backup_failure\"} 0.0");
            Run mine = promtool(ours.toString(), "check", "metrics");
            assertThat(mine.exit()).as(mine.output()).isZero();
            assertThat(mine.output().strip()).isEmpty();
            // the whole output parses (promtool exits 3 for lint findings, 1 for what it cannot parse); Camel's findings only counted
            Run all = promtool(text, "check", "metrics");
            assertThat(all.output()).doesNotContain("error while linting");
            assertThat(all.output().lines().filter(l -> l.startsWith("ipfs_backup_"))).isEmpty();
            System.out.println("promtool check metrics: " + all.output().lines().count() + " findings on Camel's own series");
            assertThat(MetricsContractTestAccess.problems(text)).isEmpty();
        }
    }
}
