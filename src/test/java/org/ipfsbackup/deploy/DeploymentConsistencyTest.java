package org.ipfsbackup.deploy;

import org.ipfsbackup.mongo.MongoConnections;
import org.ipfsbackup.testing.Project;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Docker engine runs where the tests run, so the deployment files are checked against the application instead:
 * docker-compose.yaml (+ docker-compose.tls.yaml), the Dockerfile and ops/ must agree with application.properties
 * and the environment variables the code reads. A renamed variable, a moved port or path, a service renamed in one
 * place only, fails here with the names involved.
 *
 * <p>The management port is {@code camel.management.port} of application.properties (its {@code {{env:VAR:default}}}
 * resolved with the backup service's environment); while that property does not exist the deployment files are
 * expected to use 9464 ({@link #ASSUMED_MANAGEMENT_PORT}). Likewise the management path is
 * {@code camel.management.path}, else Camel's {@code /observe}.
 */
class DeploymentConsistencyTest {

    static final int ASSUMED_MANAGEMENT_PORT = 9464;
    static final String DEFAULT_MANAGEMENT_PATH = "/observe";
    /** Metric names the dashboard and the alert rules may use (the application's documented metrics). */
    static final Set<String> METRICS = Set.of("ipfs_backup_backups_total", "ipfs_backup_last_success_timestamp_seconds",
            "ipfs_backup_duration_seconds", "ipfs_backup_size_bytes", "ipfs_backup_alerts_sent_total",
            "ipfs_backup_verifications_total", "ipfs_backup_oplog_window_seconds", "ipfs_backup_peers_pinned");
    private static final Pattern ENV_PLACEHOLDER = Pattern.compile("\\{\\{env:([A-Za-z0-9_]+)(?::([^}]*))?}}");
    private static final Pattern PROPERTY = Pattern.compile("^\\s*([A-Za-z0-9_.\\-]+)\\s*[=:]\\s*(.*)$");

    static Path dir;
    static Map<String, String> properties;
    static Map<String, Object> compose;
    static Map<String, Object> composeTls;
    static Map<String, Object> backup;
    static Map<String, String> backupEnv;
    static List<String> dockerfile;

    @BeforeAll
    static void load() throws IOException {
        dir = Project.dir();
        properties = properties(dir.resolve("application.properties"));
        compose = yaml(dir.resolve("docker-compose.yaml"));
        composeTls = yaml(dir.resolve("docker-compose.tls.yaml"));
        backup = service(compose, "backup");
        backupEnv = env(backup);
        dockerfile = dockerfileInstructions(dir.resolve("Dockerfile"));
    }

    // ---- environment variables ----

    /** Every variable the app reads: {{env:...}} in application.properties, and the ones the code reads itself. */
    static Map<String, String> propertyVariables() {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String value : properties.values()) {
            Matcher m = ENV_PLACEHOLDER.matcher(value);
            while (m.find()) {
                vars.put(m.group(1), m.group(2));
            }
        }
        return vars;
    }

    /** Names the code reads from the environment (secrets, config locations): found in the source, not listed by hand. */
    static Set<String> codeVariables() throws IOException {
        Set<String> names = new TreeSet<>();
        Pattern read = Pattern.compile("(?:require|get|getenv)\\(\\s*\"([A-Z][A-Z0-9_]+)\"");
        Pattern constant = Pattern.compile("static final String \\w*(?:SECRET|ENV_VAR)\\w* = \"([A-Z][A-Z0-9_]+)\"");
        try (Stream<Path> files = Files.walk(dir.resolve("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    boolean envContext = line.contains("secrets") || line.contains("Secrets") || line.contains("env()")
                            || line.contains("getenv") || line.contains("environment");
                    Matcher m = read.matcher(line);
                    while (envContext && m.find()) {
                        names.add(m.group(1));
                    }
                    Matcher c = constant.matcher(line);
                    while (c.find()) {
                        names.add(c.group(1));
                    }
                }
            }
        }
        return names;
    }

    /** What the env check finds wrong with {@code env} (empty = fine); a method so its own failure can be shown. */
    static List<String> envProblems(Map<String, String> env, Map<String, String> propertyVars, Set<String> codeVars) {
        List<String> problems = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>(propertyVars.keySet());
        known.addAll(codeVars);
        for (String name : env.keySet()) {
            String base = name.endsWith("_FILE") ? name.substring(0, name.length() - 5) : name;
            if (!known.contains(name) && !(name.endsWith("_FILE") && codeVars.contains(base))) {
                problems.add(name + " is set for the backup service but the application reads no such variable");
            }
        }
        for (Map.Entry<String, String> v : propertyVars.entrySet()) {
            if (v.getValue() == null && !env.containsKey(v.getKey())) {
                problems.add(v.getKey() + " has no default in application.properties and is not set for the backup service");
            }
        }
        if (!env.containsKey("BACKUP_ENCRYPTION_KEY") && !env.containsKey("BACKUP_ENCRYPTION_KEY_FILE")) {
            problems.add("neither BACKUP_ENCRYPTION_KEY nor BACKUP_ENCRYPTION_KEY_FILE is set (the service refuses to start)");
        }
        for (String[] pair : List.of(new String[]{"IPFS_CLUSTER_USER", "IPFS_CLUSTER_PASSWORD"},
                new String[]{"ALERT_SMTP_USER", "ALERT_SMTP_PASSWORD"})) {
            String user = env.get(pair[0]);
            if (user != null && !user.isEmpty() && !env.containsKey(pair[1]) && !env.containsKey(pair[1] + "_FILE")) {
                problems.add(pair[0] + " is set, so " + pair[1] + " (or " + pair[1] + "_FILE) must be too");
            }
        }
        return problems;
    }

    @Test
    void everyVariableOfTheBackupServiceIsReadByTheAppAndEveryRequiredOneIsSet() throws IOException {
        Map<String, String> propertyVars = propertyVariables();
        Set<String> codeVars = codeVariables();
        // the scan itself must see what the code is known to read, else this test would check nothing
        assertThat(propertyVars).containsKeys("MONGODB_URI", "IPFS_CLUSTER_NODE_1", "IPFS_NODES", "BACKUP_WORK_DIR");
        assertThat(codeVars).contains("BACKUP_ENCRYPTION_KEY", "BACKUP_CONFIG", "BACKUP_ROUTES_DIR", "IPFS_CLUSTER_PASSWORD");

        assertThat(envProblems(backupEnv, propertyVars, codeVars)).isEmpty();
        Map<String, String> tlsEnv = new LinkedHashMap<>(backupEnv);
        tlsEnv.putAll(env(service(composeTls, "backup")));
        assertThat(envProblems(tlsEnv, propertyVars, codeVars)).as("with docker-compose.tls.yaml").isEmpty();
    }

    @Test
    void theCheckCatchesARenamedOrMissingVariable() throws IOException {
        Map<String, String> propertyVars = propertyVariables();
        Set<String> codeVars = codeVariables();
        Map<String, String> renamed = new LinkedHashMap<>(backupEnv);
        renamed.put("IPFS_CLUSTER_URL_1", renamed.remove("IPFS_CLUSTER_NODE_1"));
        renamed.remove("BACKUP_ENCRYPTION_KEY_FILE");
        renamed.put("ALERT_SMTP_USER", "mailer");
        assertThat(envProblems(renamed, propertyVars, codeVars)).containsExactlyInAnyOrder(
                "IPFS_CLUSTER_URL_1 is set for the backup service but the application reads no such variable",
                "neither BACKUP_ENCRYPTION_KEY nor BACKUP_ENCRYPTION_KEY_FILE is set (the service refuses to start)",
                "ALERT_SMTP_USER is set, so ALERT_SMTP_PASSWORD (or ALERT_SMTP_PASSWORD_FILE) must be too");
        Map<String, String> noDefault = new LinkedHashMap<>(propertyVars);
        noDefault.put("SOME_REQUIRED_SETTING", null);
        assertThat(envProblems(backupEnv, noDefault, codeVars))
                .containsExactly("SOME_REQUIRED_SETTING has no default in application.properties and is not set for the backup service");
    }

    @Test
    void secretFilesAreComposeSecretsOfTheService() {
        @SuppressWarnings("unchecked")
        Map<String, Object> topSecrets = (Map<String, Object>) compose.get("secrets");
        for (Map.Entry<String, Map<String, Object>> s : services(compose).entrySet()) {
            for (String name : strings(s.getValue().get("secrets"))) {
                assertThat(topSecrets).as("secret %s of service %s is declared at the top level", name, s.getKey()).containsKey(name);
            }
        }
        List<String> own = strings(backup.get("secrets"));
        backupEnv.forEach((k, v) -> {
            if (k.endsWith("_FILE") && v.startsWith("/run/secrets/")) {
                assertThat(own).as("%s=%s is a secret of the backup service", k, v).contains(v.substring("/run/secrets/".length()));
            }
        });
        assertThat(backupEnv).as("the encryption key comes from a file, not the compose file").doesNotContainKey("BACKUP_ENCRYPTION_KEY");
    }

    // ---- ports and paths ----

    static int managementPort(Map<String, String> env) {
        String raw = properties.get("camel.management.port");
        if (raw == null) {
            return ASSUMED_MANAGEMENT_PORT;
        }
        return Integer.parseInt(resolve(raw, env));
    }

    static String managementPath(Map<String, String> env) {
        String raw = properties.get("camel.management.path");
        return raw == null ? DEFAULT_MANAGEMENT_PATH : resolve(raw, env);
    }

    /** {@code {{env:VAR:default}}} with the given environment. */
    static String resolve(String value, Map<String, String> env) {
        Matcher m = ENV_PLACEHOLDER.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.containsKey(m.group(1)) ? env.get(m.group(1)) : m.group(2);
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? "" : v));
        }
        m.appendTail(sb);
        return sb.toString().strip();
    }

    @Test
    void healthCheckPublishedPortAndPrometheusTargetAreTheManagementPort() throws IOException {
        int port = managementPort(backupEnv);
        String path = managementPath(backupEnv);
        String health = "http://127.0.0.1:" + port + path + "/health";

        assertThat(String.join(" ", strings(((Map<?, ?>) backup.get("healthcheck")).get("test")))).contains(health);
        assertThat(strings(backup.get("ports"))).anySatisfy(p -> assertThat(p).endsWith(":" + port));
        // the image's HEALTHCHECK follows MANAGEMENT_PORT (a container on the host network moves it)
        assertThat(instruction("HEALTHCHECK").replace("${MANAGEMENT_PORT}", dockerEnv().get("MANAGEMENT_PORT")))
                .as("Dockerfile HEALTHCHECK").contains(health);
        assertThat(instruction("EXPOSE")).as("Dockerfile EXPOSE").isEqualTo(String.valueOf(port));

        Map<String, Object> prometheus = yaml(dir.resolve("ops/prometheus/prometheus.yml"));
        Map<?, ?> job = (Map<?, ?>) ((List<?>) prometheus.get("scrape_configs")).get(0);
        assertThat(job.get("metrics_path")).isEqualTo(path + "/metrics");
        List<String> targets = strings(((Map<?, ?>) ((List<?>) job.get("static_configs")).get(0)).get("targets"));
        assertThat(targets).containsExactly("backup:" + port);
        assertThat(services(compose)).containsKey("backup");
        Map<String, Object> prom = service(compose, "prometheus");
        assertThat(strings(prom.get("profiles"))).containsExactly("monitoring");
        assertThat(strings(service(compose, "grafana").get("profiles"))).containsExactly("monitoring");
        assertThat(strings(prom.get("volumes"))).contains("./ops/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro");
        assertThat(strings(prometheus.get("rule_files"))).containsExactly("/etc/prometheus/alerts.yml");
    }

    @Test
    void ipfsUrlsPointAtComposeServicesOnThePortsTheyListenOn() throws IOException {
        Map<String, Map<String, Object>> all = services(compose);
        int kuboApi = kuboApiPort();
        for (String var : List.of("IPFS_CLUSTER_NODE_1", "IPFS_CLUSTER_NODE_2")) {
            URI u = URI.create(backupEnv.get(var));
            assertThat(all).as("%s host", var).containsKey(u.getHost());
            Map<String, String> clusterEnv = env(all.get(u.getHost()));
            assertThat(clusterEnv.get("CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS")).as("%s's REST API", u.getHost())
                    .endsWith("/tcp/" + u.getPort());
            assertThat(clusterEnv.get("CLUSTER_SECRET")).as("shared cluster secret").isEqualTo("${CLUSTER_SECRET:?set CLUSTER_SECRET (64 hex characters) in .env}");
            int replication = Integer.parseInt(backupEnv.getOrDefault("IPFS_REPLICATION_FACTOR",
                    resolve(properties.get("ipfs.replication-factor"), backupEnv)));
            assertThat(clusterEnv.get("CLUSTER_REPLICATIONFACTORMIN")).isEqualTo(String.valueOf(replication));
            assertThat(clusterEnv.get("CLUSTER_REPLICATIONFACTORMAX")).isEqualTo(String.valueOf(replication));
            // and the cluster peer's own Kubo node is a compose service with that API port
            Matcher m = Pattern.compile("^/dns4/([a-z0-9-]+)/tcp/(\\d+)$").matcher(clusterEnv.get("CLUSTER_IPFSHTTP_NODEMULTIADDRESS"));
            assertThat(m.matches()).isTrue();
            assertThat(all).containsKey(m.group(1));
            assertThat(Integer.parseInt(m.group(2))).isEqualTo(kuboApi);
        }
        assertThat(backupEnv.get("IPFS_CLUSTER_NODE_1")).isNotEqualTo(backupEnv.get("IPFS_CLUSTER_NODE_2"));
        for (String node : backupEnv.get("IPFS_NODES").split(",")) {
            URI u = URI.create(node.strip());
            assertThat(all).as("IPFS_NODES host %s", u.getHost()).containsKey(u.getHost());
            Map<String, Object> kubo = all.get(u.getHost());
            assertThat(String.valueOf(kubo.get("image"))).startsWith("ipfs/kubo:");
            assertThat(strings(kubo.get("volumes"))).anySatisfy(v -> assertThat(v).startsWith("./ops/kubo/001-private-network.sh:/container-init.d/"));
            assertThat(u.getPort()).isEqualTo(kuboApi);
            Map<String, String> kuboEnv = env(kubo);
            assertThat(kuboEnv).containsEntry("LIBP2P_FORCE_PNET", "1").containsKey("IPFS_SWARM_KEY_FILE");
        }
        URI smtp = URI.create("smtp://" + backupEnv.get("ALERT_SMTP_HOST") + ":" + backupEnv.get("ALERT_SMTP_PORT"));
        assertThat(all).as("the mail catcher").containsKey(smtp.getHost());
    }

    private static int kuboApiPort() throws IOException {
        Matcher m = Pattern.compile("ipfs config Addresses.API /ip4/0.0.0.0/tcp/(\\d+)")
                .matcher(Files.readString(dir.resolve("ops/kubo/001-private-network.sh")));
        assertThat(m.find()).as("the Kubo init script sets Addresses.API").isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void mongoUriNamesTheReplicaSetMembersAndReadsFromASecondary() {
        Map<String, Map<String, Object>> all = services(compose);
        for (Map<String, String> env : List.of(backupEnv, env(service(composeTls, "backup")))) {
            String uri = env.get("MONGODB_URI").replace("${MONGO_BACKUP_PASSWORD:?set MONGO_BACKUP_PASSWORD in .env}", "pw");
            var cs = MongoConnections.connectionString(uri);
            assertThat(cs.getReadPreference().getName()).isEqualTo("secondary");
            assertThat(cs.getCredential().getSource()).isEqualTo("admin");
            assertThat(cs.getHosts()).hasSize(3);
            for (String host : cs.getHosts()) {
                Map<String, Object> member = all.get(host.substring(0, host.indexOf(':')));
                assertThat(member).as("replica set member %s is a compose service", host).isNotNull();
                List<String> command = strings(member.get("command"));
                assertThat(command).containsSubsequence("--replSet", cs.getRequiredReplicaSetName());
            }
            MongoConnections.Tls tls = MongoConnections.tls(uri);
            if (tls.enabled()) {
                assertThat(tls.caFile()).isNotNull();
                assertThat(strings(backup.get("volumes"))).as("the CA file's directory is mounted")
                        .anySatisfy(v -> assertThat(v).endsWith(":" + tls.caFile().getParent() + ":ro"));
            }
        }
        assertThat(MongoConnections.tls(backupEnv.get("MONGODB_URI")).enabled()).isFalse();
        // the TLS members load their certificate from where it is mounted
        for (String m : List.of("mongo1", "mongo2", "mongo3")) {
            List<String> command = strings(service(composeTls, m).get("command"));
            assertThat(command).contains("requireTLS", "/etc/mongo/tls/server.pem", "/etc/mongo/tls/ca.pem");
            assertThat(strings(service(compose, m).get("volumes"))).contains("./ops/tls:/etc/mongo/tls:ro");
        }
        // no one-shot services (podman 4.3 cannot start a container whose dependency chain runs through an exited
        // one): mongo1 initiates the set itself, through its own loopback (the localhost exception), with the script
        // it mounts, and is healthy only once that is done; the backup service waits for that
        assertThat(all).doesNotContainKeys("mongo-init", "mongo-keyfile");
        Map<String, Object> mongo1 = service(compose, "mongo1");
        assertThat(strings(mongo1.get("volumes"))).contains("./ops/mongo/init-replica-set.sh:/init-replica-set.sh:ro",
                "./ops/mongo/start-member.sh:/start-member.sh:ro");
        assertThat(String.valueOf(((Map<?, ?>) mongo1.get("healthcheck")).get("test"))).contains("/tmp/rs0-ready");
        assertThat(String.valueOf(((Map<?, ?>) backup.get("depends_on")).get("mongo1"))).contains("service_healthy");
    }

    @Test
    void mountedFilesExist() {
        for (Map.Entry<String, Map<String, Object>> s : services(compose).entrySet()) {
            for (String v : strings(s.getValue().get("volumes"))) {
                if (v.startsWith("./")) {
                    Path source = dir.resolve(v.substring(0, v.indexOf(':')));
                    assertThat(source).as("bind mount of %s", s.getKey()).exists();
                }
            }
        }
    }

    // ---- Dockerfile ----

    @Test
    void dockerfileIsMultiStageNonRootAndItsPathsAreTheSettingsPaths() {
        // the base images are build arguments; their defaults are the public images (bin/container passes local ones)
        Map<String, String> args = new LinkedHashMap<>();
        for (String l : dockerfile.subList(0, dockerfile.indexOf(dockerfile.stream().filter(x -> x.startsWith("FROM "))
                .findFirst().orElseThrow()))) {
            Matcher a = Pattern.compile("ARG ([A-Z_]+)=(\\S+)").matcher(l);
            if (a.matches()) {
                args.put(a.group(1), a.group(2));
            }
        }
        assertThat(args).containsEntry("BUILD_IMAGE", "maven:3.8.7-eclipse-temurin-17")
                .containsEntry("APP_SOURCE", "maven").containsEntry("MONGO_TOOLS_SOURCE", "mongodb");
        assertThat(args.get("RUNTIME_IMAGE")).startsWith("eclipse-temurin:17-jre");
        List<String> from = dockerfile.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(from).contains("FROM ${BUILD_IMAGE} AS app-maven", "FROM app-${APP_SOURCE} AS app",
                "FROM ${RUNTIME_IMAGE} AS runtime-mongodb");
        assertThat(from.get(from.size() - 1)).isEqualTo("FROM runtime-${MONGO_TOOLS_SOURCE}");
        String user = instruction("USER");
        assertThat(user.split(":")[0]).as("USER").isNotIn("root", "0").matches("[0-9]+|[a-z_][a-z0-9_-]*");

        Map<String, String> env = dockerEnv();
        Set<String> known = new LinkedHashSet<>(propertyVariables().keySet());
        try {
            known.addAll(codeVariables());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        known.add("JAVA_TOOL_OPTIONS"); // read by the JVM
        assertThat(known).as("ENV of the Dockerfile are variables the app reads").containsAll(env.keySet());
        assertThat(dockerfile).contains("COPY application.properties " + env.get("BACKUP_CONFIG"),
                "COPY routes " + env.get("BACKUP_ROUTES_DIR"));
        String volumes = instruction("VOLUME");
        assertThat(volumes).contains("\"" + env.get("BACKUP_WORK_DIR") + "\"", "\"" + env.get("ALERT_SPOOL_DIR") + "\"",
                "\"" + env.get("BACKUP_CACHE_DIR") + "\""); // --read-only: every directory the app writes is a volume
        // the spool keeps its packaged default; the compose volumes sit where the image puts the directories
        assertThat(resolve(properties.get("alert.spool-dir"), Map.of())).isEqualTo(env.get("ALERT_SPOOL_DIR"));
        assertThat(strings(backup.get("volumes"))).contains("backup-work:" + env.get("BACKUP_WORK_DIR"),
                "backup-alert-spool:" + env.get("ALERT_SPOOL_DIR"), "backup-cache:" + env.get("BACKUP_CACHE_DIR"));
        assertThat(dockerfile).anySatisfy(l -> assertThat(l).startsWith("RUN ").contains("chown -R 10001:10001 /var/lib/ipfs-backup"));
        assertThat(env.get("BACKUP_WORK_DIR")).startsWith("/var/lib/ipfs-backup/");
        // mongo tools: a pinned package version, and the paths the settings use
        assertThat(dockerfile).anySatisfy(l -> assertThat(l).matches("ARG MONGO_TOOLS_VERSION=\\d+\\.\\d+\\.\\d+"));
        assertThat(dockerfile).anySatisfy(l -> assertThat(l).contains("\"mongodb-database-tools=${MONGO_TOOLS_VERSION}\""));
        assertThat(env).containsEntry("MONGODUMP_PATH", "/usr/bin/mongodump").containsEntry("MONGORESTORE_PATH", "/usr/bin/mongorestore");
        assertThat(instruction("ENTRYPOINT")).contains("/app/ipfs-backup.jar");
    }

    @Test
    void everyClassDataSharingTrainingRunsWithoutTheJitCompiler() throws IOException {
        // Java 17 writes a method that is queued for compilation at the training's end into the archive with that
        // mark, and no JVM mapping the archive ever compiles it (JDK-8306460): AES-GCM then ran interpreted
        List<String> trainings = new ArrayList<>();
        for (String file : List.of("Dockerfile", "bin/ipfs-backup", "bin/bench")) {
            for (String l : Files.readAllLines(dir.resolve(file))) {
                if (l.contains("-XX:ArchiveClassesAtExit") && !l.trim().startsWith("#")) {
                    trainings.add(file + ": " + l.trim());
                }
            }
        }
        assertThat(trainings).hasSize(3).allSatisfy(l -> assertThat(l).contains("java -Xint "));
    }

    @Test
    void theLauncherTheImageAndTheBenchStartTheJvmWithTheSameJitThresholds() throws IOException {
        // one set of flags, written out in three places: a change to one that misses another is caught here
        List<String> expected = List.of("-XX:CompileThresholdScaling=4", "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.1");
        Map<String, String> found = new LinkedHashMap<>();
        for (String file : List.of("Dockerfile", "bin/ipfs-backup", "bin/bench")) {
            for (String l : Files.readAllLines(dir.resolve(file))) {
                if (l.contains("-XX:CompileThresholdScaling=") && !l.trim().startsWith("#")) {
                    found.put(file, l.replace("'", ""));
                }
            }
        }
        assertThat(found).containsOnlyKeys("Dockerfile", "bin/ipfs-backup", "bin/bench");
        // quiet before the command: without it each CompileCommand prints a line on stdout, into --json output
        found.forEach((file, line) -> assertThat(line).as(file).contains(String.join(" ", expected)));
    }

    @Test
    void dashboardAndAlertRulesUseTheApplicationsMetricNames() throws IOException {
        Pattern metric = Pattern.compile("ipfs_backup_[a-z_]+");
        for (Path f : List.of(dir.resolve("ops/prometheus/alerts.yml"), dir.resolve("ops/grafana/dashboards/ipfs-backup.json"))) {
            Matcher m = metric.matcher(Files.readString(f));
            Set<String> used = new TreeSet<>();
            while (m.find()) {
                used.add(m.group().replaceAll("_(sum|count|max|bucket)$", ""));
            }
            assertThat(used).as("metrics in %s", f.getFileName()).isNotEmpty().isSubsetOf(METRICS);
        }
        Map<String, Object> rules = yaml(dir.resolve("ops/prometheus/alerts.yml"));
        List<?> groups = (List<?>) rules.get("groups");
        assertThat(((List<?>) ((Map<?, ?>) groups.get(0)).get("rules"))).hasSizeGreaterThanOrEqualTo(5)
                .allSatisfy(r -> assertThat(((Map<?, ?>) r).keySet()).map(String::valueOf).contains("alert", "expr", "labels", "annotations"));
    }

    // ---- parsing helpers ----

    static Map<String, String> properties(Path file) throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.strip().startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher m = PROPERTY.matcher(line);
            if (m.matches()) {
                map.put(m.group(1), m.group(2).strip());
            }
        }
        return map;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file) throws IOException {
        Object doc = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromString(Files.readString(file));
        return (Map<String, Object>) mergeKeys(doc);
    }

    /** YAML 1.1 merge keys ({@code <<: *anchor}), which Compose supports and YAML 1.2 parsers leave as plain keys. */
    @SuppressWarnings("unchecked")
    static Object mergeKeys(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            Object merge = map.get("<<");
            if (merge instanceof Map<?, ?> base) {
                out.putAll((Map<String, Object>) mergeKeys(base));
            } else if (merge instanceof List<?> bases) {
                for (Object b : bases) {
                    ((Map<String, Object>) mergeKeys(b)).forEach(out::putIfAbsent);
                }
            }
            map.forEach((k, v) -> {
                if (!"<<".equals(k)) {
                    out.put(String.valueOf(k), mergeKeys(v));
                }
            });
            return out;
        }
        if (node instanceof List<?> list) {
            return list.stream().map(DeploymentConsistencyTest::mergeKeys).toList();
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services(Map<String, Object> composeFile) {
        return (Map<String, Map<String, Object>>) composeFile.get("services");
    }

    static Map<String, Object> service(Map<String, Object> composeFile, String name) {
        Map<String, Object> s = services(composeFile).get(name);
        assertThat(s).as("service %s", name).isNotNull();
        return s;
    }

    static Map<String, String> env(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        Object e = service.get("environment");
        if (e instanceof Map<?, ?> m) {
            m.forEach((k, v) -> env.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
        } else if (e instanceof List<?> l) {
            for (Object item : l) {
                String s = String.valueOf(item);
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
            }
        }
        return env;
    }

    static List<String> strings(Object o) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(o).split("\\s+"));
    }

    /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
    static List<String> dockerfileInstructions(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            String s = line.strip();
            if (s.startsWith("#") || (s.isEmpty() && current.length() == 0)) {
                continue;
            }
            boolean more = s.endsWith("\\");
            current.append(more ? s.substring(0, s.length() - 1).strip() : s).append(more ? " " : "");
            if (!more) {
                out.add(current.toString().strip());
                current.setLength(0);
            }
        }
        return out;
    }

    /** The arguments of the runtime stage's (last) instruction of this kind. */
    static String instruction(String keyword) {
        String found = null;
        for (String l : dockerfile) {
            if (l.startsWith(keyword + " ")) {
                found = l.substring(keyword.length() + 1).strip();
            }
        }
        assertThat(found).as("Dockerfile has %s", keyword).isNotNull();
        return found;
    }

    static Map<String, String> dockerEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        Matcher m = Pattern.compile("([A-Z][A-Z0-9_]*)=(\\S+)").matcher(instruction("ENV"));
        while (m.find()) {
            env.put(m.group(1), m.group(2));
        }
        return env;
    }
}
