package org.ipfsbackup.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.ipfsbackup.alert.AlertEvent;
import org.ipfsbackup.camel.HawtioServer;
import org.ipfsbackup.config.ConfigException;
import org.jolokia.server.core.restrictor.policy.PolicyRestrictor;
import org.jolokia.server.core.util.RequestType;
import org.junit.jupiter.api.Test;

/** The observability pieces without Camel: metric names and values, log encoders, the Jolokia policy. */
class ObserveUnitTest {

    @Test
    void metricsFollowPrometheusNamesWithBoundedLabels() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BackupMetrics m = new BackupMetrics(r);
        Instant t = Instant.parse("2026-11-27T02:00:00Z");
        m.backupFinished("full", "success", Duration.ofSeconds(12), 4096, 2, t);
        m.backupFinished("incremental", "failure", Duration.ofSeconds(3), -1, -1, t.plusSeconds(60));
        m.backupFinished("weird", "odd", Duration.ofSeconds(1), 1, 1, t); // unknown values fold into fixed ones
        m.lastSuccess("full", t.minusSeconds(3600)); // older: ignored
        m.unpinned("retention", 3);
        m.alertSent(AlertEvent.BACKUP_FAILURE.name());
        m.verification(true);
        m.verification(false);
        m.oplogWindow(Duration.ofHours(30));
        String text = r.scrape();
        assertThat(text).contains("ipfs_backup_backups_total{outcome=\"success\",type=\"full\"} 1.0")
                .contains("ipfs_backup_backups_total{outcome=\"failure\",type=\"incremental\"} 1.0")
                .contains("ipfs_backup_backups_total{outcome=\"failure\",type=\"other\"} 1.0")
                .contains("ipfs_backup_duration_seconds_sum{outcome=\"success\",type=\"full\"} 12.0")
                .contains("ipfs_backup_size_bytes_sum{type=\"full\"} 4096.0")
                .contains("ipfs_backup_last_success_timestamp_seconds{type=\"full\"} " + (double) t.getEpochSecond())
                .contains("ipfs_backup_peers_pinned{type=\"full\"} 2.0")
                .contains("ipfs_backup_unpins_total{reason=\"retention\"} 3.0")
                .contains("ipfs_backup_alerts_sent_total{event=\"backup_failure\"} 1.0")
                .contains("ipfs_backup_verifications_total{outcome=\"success\"} 1.0")
                .contains("ipfs_backup_verifications_total{outcome=\"failure\"} 1.0")
                .contains("ipfs_backup_oplog_window_seconds 108000.0");
        // no label value outside the fixed sets: no CID, name or host can become a series
        assertThat(text.lines().filter(l -> l.startsWith("ipfs_backup_")).toList())
                .allSatisfy(l -> assertThat(l).matches("ipfs_backup_[a-z_]+(\\{(type=\"(full|incremental|other)\"|outcome=\"(success|failure|skipped)\""
                        + "|reason=\"(retention|orphan)\"|event=\"[a-z_]+\"|,)+\\})? \\S+"));
    }

    @Test
    void textAndJsonLogLinesMaskCredentials() throws Exception {
        LoggerContext ctx = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("ipfs-backup.step"), Level.INFO,
                "backup={} step=backup-dump outcome=ok durationMs=12 bytes=58 uri={}", new IllegalStateException("cannot reach mongodb://u:Secret9@h:1/?password=Pw2"),
                new Object[] {"full_backup_x.tar.gz.enc", "mongodb://admin:Secret9@db:27017/?authSource=admin"});
        String text = LogSetup.layout(ctx).doLayout(e);
        assertThat(text).contains("mongodb://***@db:27017").contains("mongodb://***@h:1/?password=***").doesNotContain("Secret9").doesNotContain("Pw2");
        var enc = JsonLogEncoder.create(ctx);
        String line = new String(enc.encode(e), StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n").doesNotContain("Secret9").doesNotContain("Pw2");
        JsonNode n = new ObjectMapper().readTree(line);
        assertThat(n.path("logger").asText()).isEqualTo("ipfs-backup.step");
        assertThat(n.path("level").asText()).isEqualTo("INFO");
        assertThat(n.path("time").asText()).endsWith("Z");
        assertThat(n.path("message").asText()).contains("uri=mongodb://***@db:27017");
        assertThat(n.path("fields").path("backup").asText()).isEqualTo("full_backup_x.tar.gz.enc");
        assertThat(n.path("fields").path("durationMs").asText()).isEqualTo("12");
        assertThat(n.path("fields").path("bytes").asText()).isEqualTo("58");
        assertThat(n.path("exception").asText()).contains("IllegalStateException").contains("mongodb://***@h:1");
        assertThatThrownBy(() -> LogSetup.configure(Map.of("BACKUP_LOG_FORMAT", "xml"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("BACKUP_LOG_FORMAT");
        assertThat(LogSetup.configure(Map.of())).isFalse();
    }

    @Test
    void theJolokiaPolicyAllowsLoopbackReadsAndOnlyTheListedOperations() throws Exception {
        PolicyRestrictor p;
        try (InputStream in = getClass().getResourceAsStream("/jolokia-access.xml")) {
            p = new PolicyRestrictor(in);
        }
        assertThat(p.isRemoteAccessAllowed("127.0.0.1")).isTrue();
        assertThat(p.isRemoteAccessAllowed("10.1.2.3")).isFalse();
        assertThat(p.isRemoteAccessAllowed("192.168.1.20", "host.example")).isFalse();
        assertThat(p.isTypeAllowed(RequestType.READ)).isTrue();
        assertThat(p.isTypeAllowed(RequestType.WRITE)).isFalse();
        var route = new javax.management.ObjectName("org.apache.camel:context=ipfs-backup,type=routes,name=\"backup-full\"");
        assertThat(p.isOperationAllowed(route, "stop()")).isTrue();
        assertThat(p.isOperationAllowed(route, "start")).isTrue();
        assertThat(p.isOperationAllowed(route, "remove()")).isFalse();
        assertThat(p.isOperationAllowed(new javax.management.ObjectName("java.lang:type=Memory"), "gc()")).isFalse();
        assertThat(p.isOperationAllowed(new javax.management.ObjectName("org.ipfsbackup:type=Operations"), "triggerFullBackup()")).isTrue();
        assertThat(p.isAttributeWriteAllowed(new javax.management.ObjectName("org.apache.camel:context=ipfs-backup,type=context,name=\"ipfs-backup\""),
                "Tracing")).isFalse();
    }

    @Test
    void hawtioOnlyBindsToLoopback() {
        Map<String, String> m = Map.of("hawtio.enabled", "true", "hawtio.host", "0.0.0.0");
        assertThatThrownBy(() -> HawtioServer.fromSettings(k -> java.util.Optional.ofNullable(m.get(k)))).isInstanceOf(ConfigException.class).hasMessageContaining("HAWTIO_HOST");
        assertThat(HawtioServer.fromSettings(k -> java.util.Optional.ofNullable(Map.of("hawtio.enabled", "false").get(k)))).isNull();
        Map<String, String> noWar = Map.of("hawtio.enabled", "true", "hawtio.war", "/nonexistent/hawtio.war");
        assertThatThrownBy(() -> HawtioServer.fromSettings(k -> java.util.Optional.ofNullable(noWar.get(k)))).isInstanceOf(ConfigException.class).hasMessageContaining("HAWTIO_WAR");
    }

    /**
     * The first logback configuration is made in code, as logback.xml says (no XML parse at start-up); with the tests'
     * logback-test.xml on the class path the configurator steps aside.
     */
    @Test
    void defaultLogConfigurationInCodeMatchesTheXmlOne() {
        LoggerContext fresh = new LoggerContext();
        LogSetup.configure(fresh, false, null, "DEBUG");
        ch.qos.logback.classic.Logger root = fresh.getLogger(ch.qos.logback.classic.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(root.getAppender("STDERR")).isInstanceOf(ch.qos.logback.core.ConsoleAppender.class);
        assertThat(((ch.qos.logback.core.ConsoleAppender<?>) root.getAppender("STDERR")).getTarget()).isEqualTo("System.err");
        for (String quiet : java.util.List.of("org.mongodb.driver", "org.apache.camel.impl.engine", "org.quartz")) {
            assertThat(fresh.getLogger(quiet).getLevel()).as(quiet).isEqualTo(Level.WARN);
        }
        assertThat(new DefaultLogConfigurator().configure(new LoggerContext()))
                .isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
    }
}
