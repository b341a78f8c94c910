package org.ipfsbackup.devstack;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.Document;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A FerretDB of one test's own, beside the shared {@link LocalStack}: SQLite data in a directory of its own, free
 * loopback ports, replica set {@value LocalStack#REPLICA_SET} with a capped {@code local.oplog.rs} as the stack's
 * source has ({@link LocalStack#createOplog}), optionally TLS and SCRAM authentication. For tests that would
 * otherwise leave the shared FerretDB slow for the rest of the run (its oplog queries scan the whole oplog) or need
 * options the shared one lacks. {@link #close} stops it by PID.
 */
public final class PrivateFerret implements AutoCloseable {

    /** TLS listener certificate and key (PEM). */
    public record Tls(Path cert, Path key) {
    }

    /** The user FerretDB creates at start-up ({@code --setup-username}), in database admin. */
    public record User(String name, String password) {
    }

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final StackProcess process;
    private final int port;
    private final int tlsPort;
    private final User user;

    private PrivateFerret(StackProcess process, int port, int tlsPort, User user) {
        this.process = process;
        this.port = port;
        this.tlsPort = tlsPort;
        this.user = user;
    }

    /** A plain FerretDB without authentication in {@code home}, its oplog capped at {@code oplogBytes}. */
    public static PrivateFerret start(Path bin, Path home, long oplogBytes) throws IOException {
        return start(bin, home, oplogBytes, null, null);
    }

    /**
     * A FerretDB in {@code home} (created), with a TLS listener if {@code tls} is given and authentication with
     * {@code user} if given; ready, with its oplog capped at {@code oplogBytes}, when this returns.
     */
    public static PrivateFerret start(Path bin, Path home, long oplogBytes, Tls tls, User user) throws IOException {
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("state"));
        List<Integer> ports = Ports.pick(3);
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("ferretdb").toString(),
                "--handler=sqlite",
                "--sqlite-url=file:" + home.resolve("data") + "/",
                "--listen-addr=127.0.0.1:" + ports.get(0),
                "--debug-addr=127.0.0.1:" + ports.get(1),
                "--state-dir=" + home.resolve("state"),
                "--repl-set-name=" + LocalStack.REPLICA_SET,
                "--telemetry=disable",
                "--log-level=info"));
        if (tls != null) {
            cmd.addAll(List.of("--listen-tls=127.0.0.1:" + ports.get(2),
                    "--listen-tls-cert-file=" + tls.cert(),
                    "--listen-tls-key-file=" + tls.key()));
        }
        if (user != null) {
            cmd.addAll(List.of("--test-enable-new-auth",
                    "--setup-database=admin",
                    "--setup-username=" + user.name(),
                    "--setup-password=" + user.password()));
        }
        StackProcess p = new StackProcess("ferretdb-private", "ferretdb", cmd, Map.of("FERRETDB_TELEMETRY", "disable"),
                home, home.resolve("ferretdb.log"));
        p.start(false);
        PrivateFerret ferret = new PrivateFerret(p, ports.get(0), tls == null ? -1 : ports.get(2), user);
        try {
            ferret.awaitReady();
            try (MongoClient client = ferret.adminClient()) {
                LocalStack.createOplog(client, oplogBytes);
                // the check's marker is no data of the test's
                client.getDatabase("devstack").drop();
            }
            return ferret;
        } catch (RuntimeException e) {
            ferret.close();
            throw e;
        }
    }

    private void awaitReady() {
        LocalStack.poll("private FerretDB on 127.0.0.1:" + port + " ready", READY_TIMEOUT, () -> {
            if (!process.isAlive()) {
                throw new LocalStack.ProcessDied("private FerretDB exited while starting; log " + process.log + ":\n"
                        + process.logTail(4000));
            }
            try (MongoClient client = adminClient()) {
                return client.getDatabase("admin").runCommand(new Document("ping", 1)).get("ok") != null;
            }
        });
    }

    /** A direct connection to the plain port, as the setup user if there is one. */
    private MongoClient adminClient() {
        String credentials = user == null ? "" : enc(user.name()) + ":" + enc(user.password()) + "@";
        String query = user == null ? "?directConnection=true" : "?directConnection=true&authSource=admin";
        return MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://" + credentials + "127.0.0.1:" + port + "/" + query))
                .applyToClusterSettings(b -> b.serverSelectionTimeout(2, TimeUnit.SECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(2, TimeUnit.SECONDS))
                .build());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The plain loopback port. */
    public int port() {
        return port;
    }

    /** The TLS port; -1 without TLS. */
    public int tlsPort() {
        return tlsPort;
    }

    /** The URI of the plain port as the stack's MONGODB_URI is (replica set, secondaryPreferred), without a user. */
    public String uri() {
        return "mongodb://127.0.0.1:" + port + "/?replicaSet=" + LocalStack.REPLICA_SET + "&readPreference=secondaryPreferred";
    }

    /** Stops it by PID (SIGTERM, SIGKILL after 20 s); its data stays in its directory. */
    @Override
    public void close() {
        process.stop(Duration.ofSeconds(20));
    }
}
