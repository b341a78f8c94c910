package org.ipfsbackup.mongo;

import org.ipfsbackup.config.ConfigException;

import com.mongodb.MongoClientSettings;
import org.ipfsbackup.testing.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The URI's TLS options, as the Java driver does not apply them by itself: parsing, and real TLS handshakes on
 * 127.0.0.1 against a JDK TLS server with certificates from CAs made by the test (openssl). The client side sets
 * up its socket as the driver does (host name check unless tlsAllowInvalidHostnames), with the SSLContext built
 * here. The driver's own connections through these settings are tested against FerretDB in MongoTlsStackTest.
 */
class MongoConnectionsTest {

    @TempDir
    static Path certs;

    static TestCertificates ca;
    static TestCertificates otherCa;
    static TestCertificates.Issued localhost;
    static TestCertificates.Issued otherHost;
    static TestCertificates.Issued client;

    @BeforeAll
    static void makeCertificates() throws IOException {
        ca = TestCertificates.newCa(certs, "right");
        otherCa = TestCertificates.newCa(certs, "wrong");
        localhost = ca.server("localhost", "IP:127.0.0.1", "DNS:localhost");
        otherHost = ca.server("elsewhere", "DNS:db.elsewhere.example");
        client = ca.client("backup-client");
    }

    // ---- the URI ----

    @Test
    void handledOptionsAreTakenOutOfTheUriTheDriverSeesAndTheRestIsKept() {
        String uri = "mongodb://u:p%40ss@db1:27017,db2:27017/admin?replicaSet=rs0&tls=true&tlsCAFile=%2Fcerts%2Fca.pem"
                + "&tlsAllowInvalidCertificates=true&authSource=admin&readPreference=secondary&TLSCertificateKeyFile=/c.pem";
        assertThat(MongoConnections.withoutHandledOptions(uri))
                .isEqualTo("mongodb://u:p%40ss@db1:27017,db2:27017/admin?replicaSet=rs0&tls=true&authSource=admin&readPreference=secondary");
        var cs = MongoConnections.connectionString(uri);
        assertThat(cs.getRequiredReplicaSetName()).isEqualTo("rs0");
        assertThat(cs.getReadPreference().getName()).isEqualTo("secondary");
        assertThat(cs.getCredential().getSource()).isEqualTo("admin");
        assertThat(cs.getCredential().getPassword()).containsExactly("p@ss".toCharArray());

        MongoConnections.Tls tls = MongoConnections.tls(uri);
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.caFile()).isEqualTo(Path.of("/certs/ca.pem"));
        assertThat(tls.certificateKeyFile()).isEqualTo(Path.of("/c.pem"));
        assertThat(tls.allowInvalidCertificates()).isTrue();
        assertThat(tls.allowInvalidHostnames()).as("implied: no certificate check means no host name check").isTrue();

        assertThat(MongoConnections.withoutHandledOptions("mongodb://h/")).isEqualTo("mongodb://h/");
        assertThat(MongoConnections.withoutHandledOptions("mongodb://h/?tlsInsecure=true")).isEqualTo("mongodb://h/");
    }

    @Test
    void tlsOptionSemantics() {
        MongoConnections.Tls hostsOnly = MongoConnections.tls("mongodb://h/?tls=true&tlsCAFile=/ca.pem&tlsAllowInvalidHostnames=true");
        assertThat(hostsOnly.allowInvalidCertificates()).isFalse();
        assertThat(hostsOnly.allowInvalidHostnames()).isTrue();
        MongoConnections.Tls insecure = MongoConnections.tls("mongodb://h/?ssl=true&tlsInsecure=true");
        assertThat(insecure.allowInvalidCertificates()).isTrue();
        assertThat(insecure.allowInvalidHostnames()).isTrue();
        MongoConnections.Tls plain = MongoConnections.tls("mongodb://h/?readPreference=secondary");
        assertThat(plain.enabled()).isFalse();
        assertThat(plain.customContext()).isFalse();
        assertThat(MongoConnections.tls("mongodb://h/?tls=true").customContext()).as("JVM trust store").isFalse();
        assertThat(MongoConnections.tls("mongodb+srv://cluster.example.com/").enabled()).isTrue();
    }

    @Test
    void contradictoryOrIncompleteOptionsAreRefusedByName() {
        assertThatThrownBy(() -> MongoConnections.tls("mongodb://h/?tlsCAFile=/ca.pem"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsCAFile").hasMessageContaining("tls=true");
        assertThatThrownBy(() -> MongoConnections.tls("mongodb://h/?tls=false&tlsAllowInvalidCertificates=true"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsAllowInvalidCertificates");
        assertThatThrownBy(() -> MongoConnections.tls("mongodb://h/?tls=true&tlsInsecure=true&tlsAllowInvalidHostnames=true"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsInsecure cannot be combined");
        assertThatThrownBy(() -> MongoConnections.tls("mongodb://h/?tls=yes"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls must be true or false");
        assertThatThrownBy(() -> MongoConnections.tls("mongodb://h/?tls=true&tlsCertificateKeyFilePassword=x"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("without tlsCertificateKeyFile");
        assertThatThrownBy(() -> MongoConnections.tls("mongodb://h/?tls=true&tlsCAFile="))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsCAFile is empty");
    }

    @Test
    void badCaFilesAreNamedInTheError() throws IOException {
        Path missing = certs.resolve("no-such-ca.pem");
        assertThatThrownBy(() -> MongoConnections.settings("mongodb://h/?tls=true&tlsCAFile=" + missing))
                .isInstanceOf(ConfigException.class).hasMessage("tlsCAFile=" + missing + ": no such file");
        Path text = Files.writeString(certs.resolve("not-pem.pem"), "hello\n");
        assertThatThrownBy(() -> MongoConnections.settings("mongodb://h/?tls=true&tlsCAFile=" + text))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsCAFile=" + text + " is not a PEM file");
        Path keyOnly = localhost.key();
        assertThatThrownBy(() -> MongoConnections.settings("mongodb://h/?tls=true&tlsCAFile=" + keyOnly))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsCAFile=" + keyOnly + " holds no PEM certificate");
        Path broken = Files.writeString(certs.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nAAAAAAAAAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> MongoConnections.settings("mongodb://h/?tls=true&tlsCAFile=" + broken))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsCAFile=" + broken)
                .hasMessageContaining("not a readable X.509 certificate");
        assertThatThrownBy(() -> MongoConnections.settings("mongodb://h/?tls=true&tlsCertificateKeyFile=" + localhost.cert()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsCertificateKeyFile=" + localhost.cert())
                .hasMessageContaining("no PEM private key");
    }

    @Test
    void settingsCarryTheContextAndTheHostNameRule() {
        MongoClientSettings s = MongoConnections.settings("mongodb://127.0.0.1:1/?tls=true&tlsCAFile=" + ca.caCert()).build();
        assertThat(s.getSslSettings().isEnabled()).isTrue();
        assertThat(s.getSslSettings().getContext()).isNotNull();
        assertThat(s.getSslSettings().isInvalidHostNameAllowed()).isFalse();
        MongoClientSettings insecure = MongoConnections.settings("mongodb://127.0.0.1:1/?tls=true&tlsInsecure=true").build();
        assertThat(insecure.getSslSettings().isInvalidHostNameAllowed()).isTrue();
        assertThat(insecure.getSslSettings().getContext()).isNotNull();
        MongoClientSettings plain = MongoConnections.settings("mongodb://127.0.0.1:1/").build();
        assertThat(plain.getSslSettings().isEnabled()).isFalse();
    }

    // ---- real handshakes ----

    @Test
    void rightCaConnects() throws Exception {
        assertThat(handshake(localhost, false, "tls=true&tlsCAFile=" + ca.caCert())).isEqualTo("CN=localhost");
    }

    @Test
    void wrongCaFailsNamingTheCaFile() {
        assertThatThrownBy(() -> handshake(localhost, false, "tls=true&tlsCAFile=" + otherCa.caCert()))
                .isInstanceOf(SSLHandshakeException.class)
                .hasStackTraceContaining("is not accepted with the CA certificate(s) of tlsCAFile=" + otherCa.caCert())
                .hasStackTraceContaining("CN=localhost");
    }

    @Test
    void wrongCaIsAcceptedWithAllowInvalidCertificatesOrInsecure() throws Exception {
        assertThat(handshake(localhost, false, "tls=true&tlsCAFile=" + otherCa.caCert() + "&tlsAllowInvalidCertificates=true"))
                .isEqualTo("CN=localhost");
        assertThat(handshake(otherHost, false, "tls=true&tlsInsecure=true")).isEqualTo("CN=elsewhere");
    }

    @Test
    void jvmTrustStoreDoesNotKnowTheTestCa() {
        assertThatThrownBy(() -> handshake(localhost, false, "tls=true")).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void hostNameIsCheckedUnlessAllowInvalidHostnames() throws Exception {
        assertThatThrownBy(() -> handshake(otherHost, false, "tls=true&tlsCAFile=" + ca.caCert()))
                .isInstanceOf(SSLHandshakeException.class)
                .hasStackTraceContaining("tlsCAFile=" + ca.caCert())
                .hasStackTraceContaining("127.0.0.1");
        assertThat(handshake(otherHost, false, "tls=true&tlsCAFile=" + ca.caCert() + "&tlsAllowInvalidHostnames=true"))
                .isEqualTo("CN=elsewhere");
        // the host name rule does not weaken the CA check
        assertThatThrownBy(() -> handshake(otherHost, false, "tls=true&tlsCAFile=" + otherCa.caCert() + "&tlsAllowInvalidHostnames=true"))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void clientCertificateFromTlsCertificateKeyFileInEachKeyForm() throws Exception {
        String base = "tls=true&tlsCAFile=" + ca.caCert();
        assertThatThrownBy(() -> handshake(localhost, true, base)).as("server requires a client certificate")
                .isInstanceOf(IOException.class);
        assertThat(handshake(localhost, true, base + "&tlsCertificateKeyFile=" + client.combined())).isEqualTo("CN=localhost");
        assertThat(handshake(localhost, true, base + "&tlsCertificateKeyFile=" + client.combinedWith("pkcs1", null)))
                .isEqualTo("CN=localhost");
        Path encrypted = client.combinedWith("encrypted", "s3cret pass");
        assertThat(handshake(localhost, true, base + "&tlsCertificateKeyFile=" + encrypted
                + "&tlsCertificateKeyFilePassword=s3cret%20pass")).isEqualTo("CN=localhost");
        assertThatThrownBy(() -> MongoConnections.settings("mongodb://h/?" + base + "&tlsCertificateKeyFile=" + encrypted))
                .isInstanceOf(ConfigException.class).hasMessageContaining("set tlsCertificateKeyFilePassword");
        assertThatThrownBy(() -> MongoConnections.settings("mongodb://h/?" + base + "&tlsCertificateKeyFile=" + encrypted
                + "&tlsCertificateKeyFilePassword=Not-The-Password-7"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tlsCertificateKeyFile=" + encrypted)
                .hasMessageContaining("cannot decrypt").hasMessageNotContaining("Not-The-Password-7");
        // a client certificate from another CA is refused by the server
        TestCertificates.Issued stranger = otherCa.client("stranger");
        assertThatThrownBy(() -> handshake(localhost, true, base + "&tlsCertificateKeyFile=" + stranger.combined()))
                .isInstanceOf(IOException.class);
    }

    /**
     * A TLS server on 127.0.0.1 with {@code server}'s certificate (requiring a client certificate from the right CA
     * if {@code needClientAuth}); the client connects with the settings of {@code mongodb://127.0.0.1:PORT/?options}
     * and returns the server certificate's subject.
     */
    private static String handshake(TestCertificates.Issued server, boolean needClientAuth, String options) throws Exception {
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(MongoConnections.keyManagers(server.combined(), null),
                needClientAuth ? new javax.net.ssl.TrustManager[]{MongoConnections.trustManager(ca.caCert())} : null, null);
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(needClientAuth);
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    s.getOutputStream().write(42);
                    s.getOutputStream().flush();
                    s.getInputStream().read();
                } catch (IOException e) {
                    // the client sees the failure
                }
            });
            String uri = "mongodb://127.0.0.1:" + listener.getLocalPort() + "/?" + options;
            var ssl = MongoConnections.settings(uri).build().getSslSettings();
            SSLContext context = ssl.getContext() != null ? ssl.getContext() : SSLContext.getDefault();
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), 10_000);
                socket.setSoTimeout(10_000);
                SSLParameters params = socket.getSSLParameters();
                params.setServerNames(java.util.List.of());
                if (!ssl.isInvalidHostNameAllowed()) {
                    // what the driver does (SocketStreamHelper / SslHelper)
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                }
                socket.setSSLParameters(params);
                socket.startHandshake();
                // with TLS 1.3 a refused client certificate shows on the first read
                int b = socket.getInputStream().read();
                if (b != 42) {
                    throw new IOException("connection closed by the server after the handshake");
                }
                socket.getOutputStream().write(1);
                return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal().getName();
            } finally {
                accepted.get(20, TimeUnit.SECONDS);
            }
        }
    }
}
