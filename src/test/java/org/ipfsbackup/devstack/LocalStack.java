package org.ipfsbackup.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.CreateCollectionOptions;
import com.mongodb.client.model.Filters;
import org.awaitility.core.ConditionTimeoutException;
import org.bson.Document;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * The local stack of real peers for development and tests, every program on 127.0.0.1 only:
 * <ul>
 *   <li>{@code ferretdb}: FerretDB (SQLite backend) as replica set {@value #REPLICA_SET}, with a capped
 *   {@code local.oplog.rs} so that writes are recorded for oplog tailing, seeded with {@link SampleData};</li>
 *   <li>{@code ferretdb-restore}: a second, empty FerretDB, the target of restores;</li>
 *   <li>{@code kubo1}, {@code kubo2}: Kubo nodes in a private swarm of their own (swarm key, TCP on loopback, no
 *   routing, no bootstrap, no discovery), peered with each other;</li>
 *   <li>{@code cluster1}, {@code cluster2}: IPFS Cluster peers (CRDT consensus, shared secret, replication 2),
 *   each in front of its Kubo node, REST API only, with basic auth ({@code api.restapi.basic_auth_credentials}):
 *   user {@value #CLUSTER_USER}, a random password in the file {@code secrets/cluster-password} of the state
 *   directory (env {@code IPFS_CLUSTER_USER}, {@code IPFS_CLUSTER_PASSWORD_FILE}, as the application reads them);</li>
 *   <li>{@code greenmail}: GreenMail SMTP and IMAP in a JVM of its own ({@link GreenMailMain}).</li>
 * </ul>
 * The programs are built by {@code src/devstack/build-stack} into {@code .stack/bin}. {@link #start} writes
 * {@code stack.json} into the state directory (ports, PIDs, environment), from which {@link #attach} gets the stack
 * back in another process, e.g. to stop it.
 */
public final class LocalStack implements AutoCloseable {
    public static final String REPLICA_SET = "rs0";
    /** The IPFS Cluster REST API's basic auth user; the password is in {@code IPFS_CLUSTER_PASSWORD_FILE}. */
    public static final String CLUSTER_USER = "ipfs-backup";
    public static final long OPLOG_SIZE_BYTES = 512L * 1024 * 1024;
    /** Names of the processes, in start order. */
    public static final List<String> PROCESS_NAMES =
            List.of("ferretdb", "ferretdb-restore", "kubo1", "kubo2", "greenmail", "cluster1", "cluster2");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final List<String> BINARIES = List.of("ferretdb", "ipfs", "ipfs-cluster-service");

    private final Path dir;
    private final Path bin;
    private final boolean detached;
    private final Map<String, StackProcess> processes = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final ObjectNode info = JSON.createObjectNode();
    private Thread shutdownHook;
    private boolean closed;

    private LocalStack(Path dir, Path bin, boolean detached) {
        this.dir = dir;
        this.bin = bin;
        this.detached = detached;
    }

    /** Starts a stack whose processes end with this JVM at the latest. */
    public static LocalStack start(Path stateDir) throws Exception {
        return start(stateDir, false);
    }

    /**
     * Starts every program on free 127.0.0.1 ports in the fresh (absent or empty) {@code stateDir}, waits until each
     * is ready, and writes {@code stateDir/stack.json}. With {@code detached} the processes run in sessions of
     * their own and outlive this JVM (for {@code bin/devstack start}); otherwise a shutdown hook stops them.
     */
    public static LocalStack start(Path stateDir, boolean detached) throws Exception {
        Path dir = stateDir.toAbsolutePath().normalize();
        if (Files.exists(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("state directory is not empty: " + dir);
                }
            }
        }
        Files.createDirectories(dir);
        Path bin = binDir();
        // the real path: a stack that outlives this JVM must not depend on a symlinked checkout staying around
        LocalStack stack = new LocalStack(dir, Files.exists(bin) ? bin.toRealPath() : bin, detached);
        stack.checkBinaries();
        if (!detached) {
            stack.shutdownHook = new Thread(stack::closeQuietly, "devstack-shutdown");
            Runtime.getRuntime().addShutdownHook(stack.shutdownHook);
        }
        try {
            stack.startAll();
            return stack;
        } catch (Throwable t) {
            try {
                stack.close();
            } catch (RuntimeException e) {
                t.addSuppressed(e);
            }
            throw t;
        }
    }

    /** The stack described by {@code stateDir/stack.json}, as written by {@link #start}. */
    public static LocalStack attach(Path stateDir) {
        Path dir = stateDir.toAbsolutePath().normalize();
        Path file = dir.resolve("stack.json");
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("no stack state in " + file + " (start one with bin/devstack start)", e);
        }
        LocalStack stack = new LocalStack(dir, Path.of(root.path("bin").asText()), true);
        root.path("env").fields().forEachRemaining(f -> stack.env.put(f.getKey(), f.getValue().asText()));
        root.path("processes").fields().forEachRemaining(f ->
                stack.processes.put(f.getKey(), StackProcess.fromJson(f.getKey(), f.getValue())));
        if (root.path("info").isObject()) {
            stack.info.setAll((ObjectNode) root.path("info"));
        }
        return stack;
    }

    /** The stack recorded in {@code stateDir}, if there is a readable stack.json. */
    static Optional<LocalStack> attachIfPresent(Path stateDir) {
        if (!Files.isRegularFile(stateDir.resolve("stack.json"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(attach(stateDir));
        } catch (UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Where the stack's binaries are: system property devstack.bin, env STACK_BIN, else PROJECT/.stack/bin. */
    static Path binDir() {
        String configured = System.getProperty("devstack.bin", System.getenv("STACK_BIN"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        return projectDir().resolve(".stack/bin");
    }

    /** The project's directory: system property devstack.root or project.basedir, else the nearest pom.xml up. */
    static Path projectDir() {
        String configured = System.getProperty("devstack.root", System.getProperty("project.basedir"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.exists(q.resolve("pom.xml")) && Files.isDirectory(q.resolve("src/devstack"))) {
                return q;
            }
        }
        return p;
    }

    private void checkBinaries() {
        List<String> missing = BINARIES.stream().filter(b -> !Files.isExecutable(bin.resolve(b))).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the local stack's programs " + missing + " are missing from " + bin
                    + ": build them with src/devstack/build-stack (bin/devstack start does that)");
        }
    }

    // ---------------------------------------------------------------- start

    private void startAll() throws Exception {
        long t0 = System.nanoTime();
        List<Integer> ports = Ports.pick(16);
        int i = 0;
        ObjectNode p = info.putObject("ports");
        for (String key : List.of("ferretdb", "ferretdb.debug", "ferretdb-restore", "ferretdb-restore.debug",
                "kubo1.api", "kubo1.gateway", "kubo1.swarm", "kubo2.api", "kubo2.gateway", "kubo2.swarm",
                "cluster1.listen", "cluster1.rest", "cluster2.listen", "cluster2.rest", "smtp", "imap")) {
            p.put(key, ports.get(i++));
        }
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(dir.resolve("work"));

        processes.put("ferretdb", ferretDb("ferretdb", true));
        processes.put("ferretdb-restore", ferretDb("ferretdb-restore", false));
        String swarmKey = randomHex(32);
        String kubo1 = initKubo("kubo1", swarmKey);
        String kubo2 = initKubo("kubo2", swarmKey);
        configureKubo("kubo1", "kubo2", kubo2);
        configureKubo("kubo2", "kubo1", kubo1);
        processes.put("kubo1", kubo("kubo1"));
        processes.put("kubo2", kubo("kubo2"));
        processes.put("greenmail", greenMail());
        String secret = randomHex(32);
        writeClusterPassword(randomHex(16));
        String cluster1 = initCluster("cluster1", secret);
        String cluster2 = initCluster("cluster2", secret);
        configureCluster("cluster1", secret, "kubo1", "cluster2", cluster2, cluster1);
        configureCluster("cluster2", secret, "kubo2", "cluster1", cluster1, cluster2);
        processes.put("cluster1", cluster("cluster1"));
        processes.put("cluster2", cluster("cluster2"));
        info.put("kubo1.peerId", kubo1).put("kubo2.peerId", kubo2);
        info.put("cluster1.peerId", cluster1).put("cluster2.peerId", cluster2);
        buildEnv();
        save();

        for (String name : List.of("ferretdb", "ferretdb-restore", "kubo1", "kubo2", "greenmail")) {
            launch(name);
        }
        for (String name : List.of("ferretdb", "ferretdb-restore", "kubo1", "kubo2", "greenmail")) {
            awaitReady(name);
        }
        // the cluster peers start once their Kubo nodes answer, so they need no retries to reach them; cluster2
        // starts once cluster1 answers, so that it alone dials (no simultaneous dials between the two)
        launch("cluster1");
        timed("sourcePrepareMillis", this::prepareSource);
        timed("kuboPeeringMillis", this::connectKubo);
        awaitReady("cluster1");
        launch("cluster2");
        awaitReady("cluster2");
        timed("clusterPeersMillis", () -> awaitClusterPeers(READY_TIMEOUT));
        info.put("startupMillis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        info.put("startedAt", Instant.now().toString());
        save();
    }

    private interface Step {
        void run() throws Exception;
    }

    private void timed(String key, Step step) throws Exception {
        long t0 = System.nanoTime();
        step.run();
        info.put(key, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    private void launch(String name) throws IOException {
        processes.get(name).start(detached);
        save();
    }

    private int port(String key) {
        JsonNode n = info.path("ports").path(key);
        if (!n.isInt()) {
            throw new IllegalStateException("no port " + key + " in " + dir.resolve("stack.json"));
        }
        return n.asInt();
    }

    private void buildEnv() {
        env.put("MONGODB_URI", "mongodb://127.0.0.1:" + port("ferretdb") + "/?replicaSet=" + REPLICA_SET
                + "&readPreference=secondaryPreferred");
        env.put("RESTORE_MONGODB_URI", "mongodb://127.0.0.1:" + port("ferretdb-restore") + "/");
        env.put("IPFS_CLUSTER_NODE_1", "http://127.0.0.1:" + port("cluster1.rest"));
        env.put("IPFS_CLUSTER_NODE_2", "http://127.0.0.1:" + port("cluster2.rest"));
        env.put("IPFS_CLUSTER_USER", CLUSTER_USER);
        env.put("IPFS_CLUSTER_PASSWORD_FILE", clusterPasswordFile().toString());
        env.put("IPFS_NODE_1", "http://127.0.0.1:" + port("kubo1.api"));
        env.put("IPFS_NODE_2", "http://127.0.0.1:" + port("kubo2.api"));
        env.put("IPFS_GATEWAY_1", "http://127.0.0.1:" + port("kubo1.gateway"));
        env.put("IPFS_GATEWAY_2", "http://127.0.0.1:" + port("kubo2.gateway"));
        env.put("SMTP_HOST", "127.0.0.1");
        env.put("SMTP_PORT", String.valueOf(port("smtp")));
        env.put("IMAP_HOST", "127.0.0.1");
        env.put("IMAP_PORT", String.valueOf(port("imap")));
        env.put("BACKUP_WORK_DIR", dir.resolve("work").toString());
        env.put("DEVSTACK_DIR", dir.toString());
        env.put("DEVSTACK_BIN", bin.toString());
        for (String tool : List.of("mongodump", "mongorestore")) {
            if (Files.isExecutable(bin.resolve(tool))) {
                env.put(tool.toUpperCase() + "_PATH", bin.resolve(tool).toString());
            }
        }
    }

    // ---------------------------------------------------------------- FerretDB

    private StackProcess ferretDb(String name, boolean source) throws IOException {
        Path home = dir.resolve(name);
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("state"));
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("ferretdb").toString(),
                "--handler=sqlite",
                "--sqlite-url=file:" + home.resolve("data") + "/",
                "--listen-addr=127.0.0.1:" + port(name),
                "--debug-addr=127.0.0.1:" + port(name + ".debug"),
                "--state-dir=" + home.resolve("state"),
                "--telemetry=disable",
                "--log-level=info"));
        if (source) {
            cmd.add("--repl-set-name=" + REPLICA_SET);
        }
        return new StackProcess(name, "ferretdb", cmd, Map.of("FERRETDB_TELEMETRY", "disable"), home,
                dir.resolve("logs/" + name + ".log"));
    }

    MongoClient mongoClient(String name) {
        return MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + port(name) + "/?directConnection=true"))
                .applyToClusterSettings(b -> b.serverSelectionTimeout(2, TimeUnit.SECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(2, TimeUnit.SECONDS))
                .build());
    }

    private boolean ferretReady(String name) {
        try (MongoClient client = mongoClient(name)) {
            return client.getDatabase("admin").runCommand(new Document("ping", 1)).get("ok") != null;
        }
    }

    /** Creates the capped local.oplog.rs, checks that a write reaches it, and seeds the sample data. */
    private void prepareSource() {
        try (MongoClient client = mongoClient("ferretdb")) {
            createOplog(client, OPLOG_SIZE_BYTES);
            Map<String, Long> counts = SampleData.seed(client);
            ObjectNode seeded = info.putObject("seeded");
            counts.forEach(seeded::put);
        }
    }

    /**
     * Creates the capped {@code local.oplog.rs} of {@code sizeBytes} on a FerretDB started with a replica set name, so
     * that it records writes, and checks that a write (a marker in {@code devstack.stack}) reaches it.
     */
    static void createOplog(MongoClient client, long sizeBytes) {
        MongoDatabase local = client.getDatabase("local");
        local.createCollection("oplog.rs", new CreateCollectionOptions().capped(true).sizeInBytes(sizeBytes));
        Document marker = new Document("_id", "oplog-check").append("at", new java.util.Date());
        client.getDatabase("devstack").getCollection("stack").insertOne(marker);
        Document entry = local.getCollection("oplog.rs")
                .find(Filters.and(Filters.eq("ns", "devstack.stack"), Filters.eq("op", "i"))).first();
        if (entry == null) {
            throw new IllegalStateException("FerretDB recorded no oplog entry for a write to devstack.stack");
        }
    }

    // ---------------------------------------------------------------- Kubo

    private String initKubo(String name, String swarmKey) throws Exception {
        Path home = dir.resolve(name);
        Files.createDirectories(home);
        run(List.of(bin.resolve("ipfs").toString(), "init", "--profile", "test", "--empty-repo"),
                Map.of("IPFS_PATH", home.toString(), "IPFS_TELEMETRY", "off"), dir.resolve("logs/" + name + "-init.log"));
        Files.writeString(home.resolve("swarm.key"), "/key/swarm/psk/1.0.0/\n/base16/\n" + swarmKey + "\n");
        JsonNode config = JSON.readTree(home.resolve("config").toFile());
        return config.path("Identity").path("PeerID").asText();
    }

    /** Rewrites the Kubo config for a loopback-only private pair; the test profile did part of it already. */
    private void configureKubo(String name, String other, String otherPeerId) throws IOException {
        Path file = dir.resolve(name).resolve("config");
        ObjectNode c = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode addresses = obj(c, "Addresses");
        addresses.put("API", "/ip4/127.0.0.1/tcp/" + port(name + ".api"));
        addresses.put("Gateway", "/ip4/127.0.0.1/tcp/" + port(name + ".gateway"));
        addresses.putArray("Swarm").add("/ip4/127.0.0.1/tcp/" + port(name + ".swarm"));
        addresses.putArray("Announce");
        addresses.putArray("AppendAnnounce");
        c.putArray("Bootstrap");
        obj(c, "Routing").put("Type", "none");
        obj(obj(c, "Discovery"), "MDNS").put("Enabled", false);
        ObjectNode swarm = obj(c, "Swarm");
        swarm.put("DisableNatPortMap", true);
        swarm.put("EnableHolePunching", false);
        obj(swarm, "RelayClient").put("Enabled", false);
        obj(swarm, "RelayService").put("Enabled", false);
        ObjectNode network = obj(obj(swarm, "Transports"), "Network");
        network.put("TCP", true);
        network.put("QUIC", false);
        network.put("WebTransport", false);
        network.put("WebRTCDirect", false);
        network.put("Websocket", false);
        network.put("Relay", false);
        obj(c, "AutoTLS").put("Enabled", false);
        obj(c, "AutoConf").put("Enabled", false);
        obj(c, "AutoNAT").put("ServiceMode", "disabled");
        obj(c, "Provide").put("Enabled", false);
        obj(c, "HTTPRetrieval").put("Enabled", false);
        obj(obj(obj(obj(c, "Plugins"), "Plugins"), "telemetry"), "Config").put("Mode", "off");
        ArrayNode peers = obj(c, "Peering").putArray("Peers");
        ObjectNode peer = peers.addObject();
        peer.put("ID", otherPeerId);
        peer.putArray("Addrs").add("/ip4/127.0.0.1/tcp/" + port(other + ".swarm"));
        write(file, c);
    }

    private StackProcess kubo(String name) {
        Path home = dir.resolve(name);
        return new StackProcess(name, "kubo", List.of(bin.resolve("ipfs").toString(), "daemon", "--migrate=false"),
                Map.of("IPFS_PATH", home.toString(), "IPFS_TELEMETRY", "off", "LIBP2P_FORCE_PNET", "1"),
                home, dir.resolve("logs/" + name + ".log"));
    }

    private boolean kuboReady(String name) throws Exception {
        HttpResponse<byte[]> r = Http.post(api(name) + "/api/v0/id", Duration.ofSeconds(5));
        return r.statusCode() == 200;
    }

    private String api(String kubo) {
        return "http://127.0.0.1:" + port(kubo + ".api");
    }

    private boolean kuboSees(String name, String peerId) throws Exception {
        HttpResponse<byte[]> r = Http.post(api(name) + "/api/v0/swarm/peers", Duration.ofSeconds(5));
        if (r.statusCode() != 200) {
            return false;
        }
        for (JsonNode p : JSON.readTree(r.body()).path("Peers")) {
            if (peerId.equals(p.path("Peer").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Connects kubo1 to kubo2 (Peering would too, with a delay) and waits until each sees the other. */
    private void connectKubo() throws Exception {
        String kubo2 = info.path("kubo2.peerId").asText();
        String kubo1 = info.path("kubo1.peerId").asText();
        String addr = "/ip4/127.0.0.1/tcp/" + port("kubo2.swarm") + "/p2p/" + kubo2;
        poll("kubo1 connected to kubo2", READY_TIMEOUT, () -> {
            Http.post(api("kubo1") + "/api/v0/swarm/connect?arg=" + addr, Duration.ofSeconds(10));
            return kuboSees("kubo1", kubo2) && kuboSees("kubo2", kubo1);
        });
    }

    // ---------------------------------------------------------------- IPFS Cluster

    private String initCluster(String name, String secret) throws Exception {
        Path home = dir.resolve(name);
        Files.createDirectories(home);
        run(List.of(bin.resolve("ipfs-cluster-service").toString(), "init", "--consensus", "crdt", "--datastore", "pebble"),
                Map.of("IPFS_CLUSTER_PATH", home.toString(), "CLUSTER_SECRET", secret),
                dir.resolve("logs/" + name + "-init.log"));
        return JSON.readTree(home.resolve("identity.json").toFile()).path("id").asText();
    }

    private void configureCluster(String name, String secret, String kubo, String other, String otherPeerId,
                                  String ownPeerId) throws IOException {
        Path file = dir.resolve(name).resolve("service.json");
        ObjectNode c = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode cluster = obj(c, "cluster");
        cluster.put("peername", name);
        cluster.put("secret", secret);
        cluster.putArray("listen_multiaddress").add("/ip4/127.0.0.1/tcp/" + port(name + ".listen"));
        cluster.putArray("announce_multiaddress");
        cluster.put("enable_relay_hop", false);
        cluster.put("mdns_interval", "0s");
        cluster.put("replication_factor_min", 2);
        cluster.put("replication_factor_max", 2);
        cluster.put("monitor_ping_interval", "2s");
        cluster.put("peer_watch_interval", "2s");
        cluster.putArray("peer_addresses").add("/ip4/127.0.0.1/tcp/" + port(other + ".listen") + "/p2p/" + otherPeerId);
        ObjectNode crdt = obj(obj(c, "consensus"), "crdt");
        crdt.put("cluster_name", "devstack");
        crdt.putArray("trusted_peers").add(ownPeerId).add(otherPeerId);
        // heads are re-announced this often when nothing new happened (default 1m): a peer that missed an update,
        // or gave up fetching it, gets it again within seconds
        crdt.put("rebroadcast_interval", "10s");
        ObjectNode api = obj(c, "api");
        api.remove("ipfsproxy");
        api.remove("pinsvcapi");
        ObjectNode restapi = obj(api, "restapi");
        restapi.put("http_listen_multiaddress", "/ip4/127.0.0.1/tcp/" + port(name + ".rest"));
        // every REST call needs the user and password (as in production); service.json is the peer's own file
        restapi.putObject("basic_auth_credentials").put(CLUSTER_USER, clusterPassword());
        ObjectNode ipfs = obj(obj(c, "ipfs_connector"), "ipfshttp");
        ipfs.put("node_multiaddress", "/ip4/127.0.0.1/tcp/" + port(kubo + ".api"));
        ipfs.put("connect_swarms_delay", "2s");
        ObjectNode observations = obj(c, "observations");
        ObjectNode metrics = obj(observations, "metrics");
        metrics.put("enable_stats", false);
        metrics.put("prometheus_endpoint", "/ip4/127.0.0.1/tcp/0");
        ObjectNode tracing = obj(observations, "tracing");
        tracing.put("enable_tracing", false);
        tracing.put("jaeger_agent_endpoint", "/ip4/127.0.0.1/udp/0");
        // informers publish their metrics every metric_ttl/2; shorter than the default 30s so that a (re)started
        // peer becomes an allocation candidate within seconds
        ObjectNode informer = obj(c, "informer");
        for (String inf : List.of("disk", "tags", "pinqueue")) {
            if (informer.get(inf) instanceof ObjectNode o) {
                o.put("metric_ttl", "10s");
            }
        }
        ObjectNode pebble = obj(obj(obj(c, "datastore"), "pebble"), "pebble_options");
        pebble.put("cache_size_bytes", 64L * 1024 * 1024);
        pebble.put("mem_table_size", 16L * 1024 * 1024);
        write(file, c);
        Files.writeString(dir.resolve(name).resolve("peerstore"),
                "/ip4/127.0.0.1/tcp/" + port(other + ".listen") + "/p2p/" + otherPeerId + "\n");
    }

    private StackProcess cluster(String name) {
        Path home = dir.resolve(name);
        return new StackProcess(name, "cluster", List.of(bin.resolve("ipfs-cluster-service").toString(), "daemon"),
                Map.of("IPFS_CLUSTER_PATH", home.toString()), home,
                dir.resolve("logs/" + name + ".log"));
    }

    private Path clusterPasswordFile() {
        return dir.resolve("secrets/cluster-password");
    }

    /** The REST API password, readable by its owner only. */
    private void writeClusterPassword(String password) throws IOException {
        Path file = clusterPasswordFile();
        Files.createDirectories(file.getParent());
        Files.writeString(file, password + "\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    private String clusterPassword() throws IOException {
        return Files.readString(clusterPasswordFile()).strip();
    }

    /**
     * The {@code Authorization} header value for the stack's cluster REST API, from {@code IPFS_CLUSTER_USER} and the
     * file named by {@code IPFS_CLUSTER_PASSWORD_FILE} of a stack's {@link #env()}.
     */
    public static String clusterAuthorization(Map<String, String> env) {
        String user = env.get("IPFS_CLUSTER_USER");
        String file = env.get("IPFS_CLUSTER_PASSWORD_FILE");
        if (user == null || file == null) {
            throw new IllegalStateException("the stack's environment has no IPFS_CLUSTER_USER/IPFS_CLUSTER_PASSWORD_FILE");
        }
        try {
            String password = Files.readString(Path.of(file)).strip();
            return "Basic " + java.util.Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster password " + file, e);
        }
    }

    private String rest(String cluster) {
        return "http://127.0.0.1:" + port(cluster + ".rest");
    }

    private boolean clusterReady(String name) throws Exception {
        HttpResponse<String> r = Http.get(rest(name) + "/id", clusterAuthorization(env), Duration.ofSeconds(5));
        if (r.statusCode() != 200) {
            return false;
        }
        JsonNode id = JSON.readTree(r.body());
        return id.path("error").asText("").isEmpty() && id.path("ipfs").path("error").asText("").isEmpty();
    }

    /** GET /peers of a cluster peer, parsed (the REST API streams one JSON object per peer). */
    List<JsonNode> clusterPeers(String name) throws Exception {
        HttpResponse<String> r = Http.get(rest(name) + "/peers", clusterAuthorization(env), Duration.ofSeconds(10));
        if (r.statusCode() != 200) {
            throw new IllegalStateException(name + " GET /peers: HTTP " + r.statusCode() + ": " + r.body());
        }
        return readJsonValues(r.body());
    }

    static List<JsonNode> readJsonValues(String body) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(body)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n.isArray()) {
                    n.forEach(out::add);
                } else {
                    out.add(n);
                }
            }
        }
        return out;
    }

    /**
     * Waits until both cluster peers list both peers, none of them with an error, and each has both peers' current
     * allocation metrics (without those, an add with replication 2 fails with "not enough peers to allocate").
     */
    public void awaitClusterPeers(Duration timeout) {
        poll("both IPFS Cluster peers list 2 peers without errors", timeout,
                () -> clusterPeersOk("cluster1") && clusterPeersOk("cluster2"));
        poll("both IPFS Cluster peers have the allocation metrics of both", timeout,
                () -> clusterMetricsOk("cluster1") && clusterMetricsOk("cluster2"));
    }

    /** The metrics the balanced allocator uses (allocate_by: tag:group, freespace) are valid for both peers. */
    private boolean clusterMetricsOk(String name) throws Exception {
        for (String metric : List.of("freespace", "tag:group")) {
            HttpResponse<String> r = Http.get(rest(name) + "/monitor/metrics/" + metric, clusterAuthorization(env),
                    Duration.ofSeconds(10));
            if (r.statusCode() != 200) {
                return false;
            }
            long valid = readJsonValues(r.body()).stream().filter(m -> m.path("valid").asBoolean(false))
                    .map(m -> m.path("peer").asText()).distinct().count();
            if (valid < 2) {
                return false;
            }
        }
        return true;
    }

    private boolean clusterPeersOk(String name) throws Exception {
        List<JsonNode> peers = clusterPeers(name);
        return peers.size() == 2 && peers.stream().allMatch(p -> p.path("error").asText("").isEmpty()
                && p.path("ipfs").path("error").asText("").isEmpty());
    }

    // ---------------------------------------------------------------- GreenMail

    private StackProcess greenMail() throws IOException {
        Path home = dir.resolve("greenmail");
        Files.createDirectories(home);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the class path goes into a java @argfile: it is long, and stack.json keeps the command
        Path argFile = home.resolve("jvm.args");
        Files.writeString(argFile, "-cp \"" + GreenMailMain.classpath().replace("\\", "\\\\") + "\"\n");
        return new StackProcess("greenmail", "greenmail", List.of(java, "-Xmx96m", "-Xss512k", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true",
                "-Dlogback.configurationFile=devstack/logback-greenmail.xml",
                "@" + argFile, GreenMailMain.class.getName(),
                "--host", "127.0.0.1", "--smtp-port", String.valueOf(port("smtp")),
                "--imap-port", String.valueOf(port("imap"))), Map.of(), home, dir.resolve("logs/greenmail.log"));
    }

    private boolean greenMailReady() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port("smtp")), 2000);
            s.setSoTimeout(2000);
            String banner = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return banner != null && banner.startsWith("220");
        }
    }

    // ---------------------------------------------------------------- public API

    /**
     * The environment for the application and tests: MONGODB_URI, RESTORE_MONGODB_URI, IPFS_CLUSTER_NODE_1/2,
     * IPFS_NODE_1/2, IPFS_GATEWAY_1/2, SMTP_HOST, SMTP_PORT, IMAP_HOST, IMAP_PORT (GreenMail: any user and password,
     * the login is the recipient's address), BACKUP_WORK_DIR, DEVSTACK_DIR, DEVSTACK_BIN, and MONGODUMP_PATH /
     * MONGORESTORE_PATH where those programs were built.
     */
    public Map<String, String> env() {
        return java.util.Collections.unmodifiableMap(env);
    }

    public Path stateDir() {
        return dir;
    }

    /** Peer ids, ports and start-up figures as recorded in stack.json. */
    public JsonNode info() {
        return info.deepCopy();
    }

    public List<String> processNames() {
        return List.copyOf(processes.keySet());
    }

    public Path logFile(String name) {
        return process(name).log;
    }

    /** Stops one process (SIGTERM, SIGKILL after a grace period); its state and ports stay for {@link #startProcess}. */
    public void stopProcess(String name) {
        process(name).stop(STOP_GRACE);
        save();
    }

    /** Starts a stopped process again with the same configuration and ports, and waits until it is ready. */
    public void startProcess(String name) {
        try {
            StackProcess p = process(name);
            p.start(detached);
            save();
            awaitReady(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isRunning(String name) {
        return process(name).isAlive();
    }

    /** The PIDs of the processes that are running. */
    public List<Long> pids() {
        List<Long> out = new ArrayList<>();
        for (StackProcess p : processes.values()) {
            p.handle().ifPresent(h -> out.add(h.pid()));
        }
        return out;
    }

    /** PID by process name, for those that are running. */
    public Map<String, Long> pidsByName() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (StackProcess p : processes.values()) {
            p.handle().ifPresent(h -> out.put(p.name, h.pid()));
        }
        return out;
    }

    /** True when the process is running and answers on its port(s). */
    public boolean isReady(String name) {
        try {
            return process(name).isAlive() && readyCheck(name).call();
        } catch (Exception e) {
            return false;
        }
    }

    /** Stops everything this stack started (SIGTERM to all, SIGKILL to what is left after a grace period). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ProcessHandle> handles = new ArrayList<>();
        // cluster peers first: they talk to the Kubo nodes while shutting down
        List<String> order = new ArrayList<>(processes.keySet());
        java.util.Collections.reverse(order);
        for (String name : order) {
            StackProcess p = processes.get(name);
            p.handle().ifPresent(handles::add);
        }
        StackProcess.terminate(handles, STOP_GRACE);
        for (StackProcess p : processes.values()) {
            p.pid = 0;
            p.startInstant = null;
        }
        if (Files.isDirectory(dir)) {
            save();
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("devstack: stopping the stack: " + e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private StackProcess process(String name) {
        StackProcess p = processes.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no process " + name + " in the stack; known: " + processes.keySet());
        }
        return p;
    }

    private Callable<Boolean> readyCheck(String name) {
        String kind = process(name).kind;
        return switch (kind) {
            case "ferretdb" -> () -> ferretReady(name);
            case "kubo" -> () -> kuboReady(name);
            case "cluster" -> () -> clusterReady(name);
            case "greenmail" -> this::greenMailReady;
            default -> throw new IllegalStateException("unknown kind " + kind);
        };
    }

    private void awaitReady(String name) {
        StackProcess p = process(name);
        Callable<Boolean> check = readyCheck(name);
        long t0 = System.nanoTime();
        poll(name + " ready", READY_TIMEOUT, () -> {
            if (!p.isAlive()) {
                throw new ProcessDied(name + " (PID " + p.pid + ") exited while starting; log " + p.log + ":\n"
                        + p.logTail(4000));
            }
            return check.call();
        });
        info.put(name + ".readyMillis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Polls {@code condition} every 100 ms until it holds; exceptions count as "not yet", except ProcessDied. */
    static void poll(String what, Duration timeout, Callable<Boolean> condition) {
        poll(what, timeout, condition, () -> "");
    }

    /** As {@link #poll(String, Duration, Callable)}; a timeout's message ends with {@code lastState}. */
    static void poll(String what, Duration timeout, Callable<Boolean> condition, Supplier<String> lastState) {
        try {
            await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(POLL)
                    .ignoreExceptionsMatching(e -> !(e instanceof ProcessDied))
                    .until(condition);
        } catch (ConditionTimeoutException e) {
            String state = lastState.get();
            throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s waiting for " + what
                    + (state == null || state.isEmpty() ? "" : "; last seen: " + state), e);
        }
    }

    /** Runs a short command to completion (init steps), its output to {@code log}. */
    private void run(List<String> command, Map<String, String> extraEnv, Path log) throws Exception {
        StackProcess p = new StackProcess(command.get(0), "init", command, extraEnv, dir, log);
        Process process = p.start(false);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            p.stop(Duration.ofSeconds(5));
            throw new IllegalStateException("timed out after 60s: " + String.join(" ", command) + "\n" + p.logTail(4000));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("exit status " + process.exitValue() + ": " + String.join(" ", command)
                    + "\n" + p.logTail(4000));
        }
    }

    private static ObjectNode obj(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(field);
    }

    private static void write(Path file, JsonNode json) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), json);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Writes stack.json: everything another process needs to find, check and stop this stack. */
    private synchronized void save() {
        ObjectNode root = JSON.createObjectNode();
        root.put("dir", dir.toString());
        root.put("bin", bin.toString());
        ObjectNode e = root.putObject("env");
        env.forEach(e::put);
        ObjectNode ps = root.putObject("processes");
        processes.forEach((name, p) -> ps.set(name, p.toJson()));
        root.set("info", info);
        try {
            write(dir.resolve("stack.json"), root);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A process of the stack exited while it was awaited. */
    static final class ProcessDied extends RuntimeException {
        ProcessDied(String message) {
            super(message);
        }
    }
}
