package org.ipfsbackup.mongo;

import org.ipfsbackup.config.ConfigException;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place the application makes MongoDB clients from a connection string ({@code MONGODB_URI}, a restore's
 * {@code --target-uri}). The Java driver ignores the URI options {@code tlsCAFile}, {@code tlsCertificateKeyFile},
 * {@code tlsCertificateKeyFilePassword} and {@code tlsAllowInvalidCertificates} (it only warns), and reads
 * {@code tlsInsecure} as "no host name check" only; mongodump and mongorestore read all of them from the URI. So
 * that one URI means the same to both, this class takes those options out of the URI before the driver sees it and
 * builds the {@link SSLContext} they describe:
 * <ul>
 *   <li>{@code tlsCAFile}: the PEM CA certificate(s) the server's certificate must chain to (instead of the JVM's
 *   trust store);</li>
 *   <li>{@code tlsCertificateKeyFile} (+ {@code tlsCertificateKeyFilePassword}): the client certificate and its
 *   private key in one PEM file (PKCS#8, encrypted PKCS#8, or PKCS#1 RSA key);</li>
 *   <li>{@code tlsAllowInvalidCertificates=true}: any server certificate is accepted (and, as in mongo-tools, so is
 *   any host name);</li>
 *   <li>{@code tlsAllowInvalidHostnames=true}: the certificate must still chain to the CA, but its host names are
 *   not checked;</li>
 *   <li>{@code tlsInsecure=true}: both of the above.</li>
 * </ul>
 * A TLS file option without {@code tls=true} (or {@code ssl=true}, or {@code mongodb+srv}) is refused rather than
 * silently connecting without TLS. Problems name the option and the file.
 */
public final class MongoConnections {

    /** URI options this class handles and the driver must not see (lower case). */
    static final Set<String> HANDLED = Set.of("tlscafile", "tlscertificatekeyfile", "tlscertificatekeyfilepassword",
            "tlsallowinvalidcertificates", "tlsinsecure");

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\R?(.*?)-----END \\1-----", Pattern.DOTALL);

    private MongoConnections() {
    }

    /**
     * The TLS options of a connection string.
     *
     * @param enabled                  TLS is on ({@code tls}/{@code ssl} or {@code mongodb+srv})
     * @param caFile                   {@code tlsCAFile}, or {@code null}
     * @param certificateKeyFile       {@code tlsCertificateKeyFile}, or {@code null}
     * @param certificateKeyPassword   {@code tlsCertificateKeyFilePassword}, or {@code null}
     * @param allowInvalidCertificates {@code tlsAllowInvalidCertificates} or {@code tlsInsecure}
     * @param allowInvalidHostnames    {@code tlsAllowInvalidHostnames} or {@code tlsInsecure} (or implied by
     *                                 {@code allowInvalidCertificates})
     */
    public record Tls(boolean enabled, Path caFile, Path certificateKeyFile, String certificateKeyPassword,
                      boolean allowInvalidCertificates, boolean allowInvalidHostnames) {

        /** Whether an SSLContext of our own is needed (else the driver's default, with the JVM trust store). */
        public boolean customContext() {
            return enabled && (caFile != null || certificateKeyFile != null || allowInvalidCertificates);
        }

        @Override
        public String toString() {
            return "Tls[enabled=" + enabled + ", caFile=" + caFile + ", certificateKeyFile=" + certificateKeyFile
                    + ", certificateKeyPassword=" + (certificateKeyPassword == null ? "none" : "****")
                    + ", allowInvalidCertificates=" + allowInvalidCertificates + ", allowInvalidHostnames="
                    + allowInvalidHostnames + "]";
        }
    }

    /** A client for {@code uri} with its TLS options applied. */
    public static MongoClient create(String uri) {
        return MongoClients.create(settings(uri).build());
    }

    /** A client from {@code settings} (made by {@link #settings} and then adjusted by the caller). */
    public static MongoClient create(MongoClientSettings.Builder settings) {
        return MongoClients.create(settings.build());
    }

    /**
     * Driver settings for {@code uri}: the connection string without the options handled here, plus the TLS
     * settings they describe.
     *
     * @throws ConfigException when the URI's TLS options are contradictory or their files cannot be used
     */
    public static MongoClientSettings.Builder settings(String uri) {
        ConnectionString cs = connectionString(uri);
        MongoClientSettings.Builder b = MongoClientSettings.builder().applyConnectionString(cs);
        Tls tls = tls(uri);
        if (tls.enabled()) {
            SSLContext context = tls.customContext() ? sslContext(tls) : null;
            b.applyToSslSettings(s -> {
                s.enabled(true).invalidHostNameAllowed(tls.allowInvalidHostnames());
                if (context != null) {
                    s.context(context);
                }
            });
        }
        return b;
    }

    /** The driver's view of {@code uri}: the connection string without the options this class handles. */
    public static ConnectionString connectionString(String uri) {
        return new ConnectionString(withoutHandledOptions(uri));
    }

    /** {@code uri} without {@code tlsCAFile}, {@code tlsCertificateKeyFile(Password)}, {@code tlsAllowInvalidCertificates}, {@code tlsInsecure}. */
    static String withoutHandledOptions(String uri) {
        int q = queryStart(uri);
        if (q < 0) {
            return uri;
        }
        List<String> kept = new ArrayList<>();
        for (String option : uri.substring(q + 1).split("[&;]")) {
            if (option.isEmpty()) {
                continue;
            }
            int eq = option.indexOf('=');
            String key = (eq < 0 ? option : option.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (!HANDLED.contains(key)) {
                kept.add(option);
            }
        }
        String base = uri.substring(0, q);
        return kept.isEmpty() ? base : base + "?" + String.join("&", kept);
    }

    /**
     * The TLS options of {@code uri}, checked: booleans must be {@code true}/{@code false}, a file option needs TLS
     * on, {@code tlsInsecure} cannot be combined with the options it stands for.
     */
    public static Tls tls(String uri) {
        Path caFile = null;
        Path certKeyFile = null;
        String password = null;
        Boolean tls = null;
        Boolean insecure = null;
        Boolean invalidCerts = null;
        Boolean invalidHosts = null;
        int q = queryStart(uri);
        if (q >= 0) {
            for (String option : uri.substring(q + 1).split("[&;]")) {
                int eq = option.indexOf('=');
                if (option.isEmpty() || eq < 0) {
                    continue;
                }
                String key = option.substring(0, eq).toLowerCase(Locale.ROOT);
                String value = URLDecoder.decode(option.substring(eq + 1), StandardCharsets.UTF_8);
                switch (key) {
                    case "tls", "ssl" -> tls = bool(key, value);
                    case "tlscafile" -> caFile = path("tlsCAFile", value);
                    case "tlscertificatekeyfile" -> certKeyFile = path("tlsCertificateKeyFile", value);
                    case "tlscertificatekeyfilepassword" -> password = value;
                    case "tlsinsecure" -> insecure = bool("tlsInsecure", value);
                    case "tlsallowinvalidcertificates" -> invalidCerts = bool("tlsAllowInvalidCertificates", value);
                    case "tlsallowinvalidhostnames", "sslinvalidhostnameallowed" -> invalidHosts = bool("tlsAllowInvalidHostnames", value);
                    default -> {
                    }
                }
            }
        }
        if (insecure != null && (invalidCerts != null || invalidHosts != null)) {
            throw new ConfigException("MONGODB_URI: tlsInsecure cannot be combined with tlsAllowInvalidCertificates or"
                    + " tlsAllowInvalidHostnames (it means both); set only one of them");
        }
        boolean srv = uri.startsWith("mongodb+srv://");
        boolean enabled = tls != null ? tls : srv;
        String fileOption = caFile != null ? "tlsCAFile" : certKeyFile != null ? "tlsCertificateKeyFile"
                : Boolean.TRUE.equals(invalidCerts) ? "tlsAllowInvalidCertificates" : Boolean.TRUE.equals(insecure) ? "tlsInsecure" : null;
        if (!enabled && fileOption != null) {
            throw new ConfigException("MONGODB_URI sets " + fileOption + " but TLS is not on: add tls=true to the"
                    + " connection string (or remove " + fileOption + ")");
        }
        if (password != null && certKeyFile == null) {
            throw new ConfigException("MONGODB_URI sets tlsCertificateKeyFilePassword without tlsCertificateKeyFile");
        }
        boolean allowCerts = Boolean.TRUE.equals(insecure) || Boolean.TRUE.equals(invalidCerts);
        boolean allowHosts = allowCerts || Boolean.TRUE.equals(invalidHosts);
        return new Tls(enabled, caFile, certKeyFile, password, allowCerts, allowHosts);
    }

    /** The SSLContext {@code tls} describes. */
    public static SSLContext sslContext(Tls tls) {
        TrustManager[] trust = null;
        if (tls.allowInvalidCertificates()) {
            trust = new TrustManager[]{new TrustAll()};
        } else if (tls.caFile() != null) {
            trust = new TrustManager[]{trustManager(tls.caFile())};
        }
        KeyManager[] keys = tls.certificateKeyFile() == null ? null
                : keyManagers(tls.certificateKeyFile(), tls.certificateKeyPassword());
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("MONGODB_URI: cannot set up TLS: " + e.getMessage(), e);
        }
    }

    // ---- trust: tlsCAFile ----

    static X509ExtendedTrustManager trustManager(Path caFile) {
        List<X509Certificate> cas = certificates("tlsCAFile", caFile);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return new NamedTrustManager(x, caFile);
                }
            }
            throw new ConfigException("tlsCAFile=" + caFile + ": the JVM offers no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("tlsCAFile=" + caFile + ": cannot use its certificates as trust anchors: " + e.getMessage(), e);
        }
    }

    /** The certificates in a PEM file; at least one. */
    static List<X509Certificate> certificates(String option, Path file) {
        List<X509Certificate> certs = new ArrayList<>();
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
        for (Pem block : pem(option, file)) {
            if (block.type().equals("CERTIFICATE") || block.type().equals("TRUSTED CERTIFICATE")) {
                try {
                    certs.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(block.der())));
                } catch (CertificateException e) {
                    throw new ConfigException(option + "=" + file + ": certificate " + (certs.size() + 1)
                            + " is not a readable X.509 certificate: " + e.getMessage(), e);
                }
            }
        }
        if (certs.isEmpty()) {
            throw new ConfigException(option + "=" + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certs;
    }

    // ---- client certificate: tlsCertificateKeyFile ----

    static KeyManager[] keyManagers(Path file, String password) {
        List<X509Certificate> chain = certificates("tlsCertificateKeyFile", file);
        PrivateKey key = privateKey(file, password);
        try {
            char[] pw = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", key, pw, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, pw);
            return kmf.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("tlsCertificateKeyFile=" + file + ": the certificate and key do not make a"
                    + " usable client identity: " + e.getMessage(), e);
        }
    }

    static PrivateKey privateKey(Path file, String password) {
        String where = "tlsCertificateKeyFile=" + file;
        for (Pem block : pem("tlsCertificateKeyFile", file)) {
            switch (block.type()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(where, block.der());
                }
                case "RSA PRIVATE KEY" -> {
                    if (block.headers().contains("ENCRYPTED")) {
                        throw new ConfigException(where + ": a legacy encrypted RSA key (Proc-Type: 4,ENCRYPTED) is"
                                + " not supported; convert it: openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem");
                    }
                    return pkcs8(where, rsaPkcs1ToPkcs8(block.der()));
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    if (password == null) {
                        throw new ConfigException(where + ": the private key is encrypted; set"
                                + " tlsCertificateKeyFilePassword in MONGODB_URI");
                    }
                    return pkcs8(where, decrypt(where, block.der(), password));
                }
                case "EC PRIVATE KEY" -> throw new ConfigException(where + ": EC keys in SEC1 form (BEGIN EC PRIVATE KEY)"
                        + " are not supported; convert it: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
                default -> {
                }
            }
        }
        throw new ConfigException(where + " holds no PEM private key (-----BEGIN PRIVATE KEY-----); it must hold the"
                + " client certificate and its key");
    }

    private static PrivateKey pkcs8(String where, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next
            }
        }
        throw new ConfigException(where + ": the private key is not a readable RSA, EC or EdDSA key in PKCS#8 form");
    }

    private static byte[] decrypt(String where, byte[] der, String password) {
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            String algorithm = info.getAlgName();
            if (algorithm.equals("PBES2") || algorithm.equals("1.2.840.113549.1.5.13")) {
                // the JDK names the PBES2 combination (e.g. PBEWithHmacSHA256AndAES_256) only through its parameters
                algorithm = info.getAlgParameters().toString();
            }
            SecretKeyFactory skf = SecretKeyFactory.getInstance(algorithm);
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, skf.generateSecret(new PBEKeySpec(password.toCharArray())), info.getAlgParameters());
            return info.getKeySpec(cipher).getEncoded();
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(where + ": cannot decrypt the private key with tlsCertificateKeyFilePassword"
                    + " (wrong password or unsupported encryption): " + e.getMessage(), e);
        }
    }

    /** PKCS#1 RSAPrivateKey wrapped as PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, the key as OCTET STRING). */
    static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] octets = der(0x04, pkcs1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(version);
        body.writeBytes(algorithm);
        body.writeBytes(octets);
        return der(0x30, body.toByteArray());
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xFFFFFF ? 4 : n > 0xFFFF ? 3 : n > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write((n >>> (8 * i)) & 0xFF);
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    // ---- PEM ----

    record Pem(String type, String headers, byte[] der) {
    }

    static List<Pem> pem(String option, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new ConfigException(option + "=" + file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(option + "=" + file + " cannot be read: " + e, e);
        }
        List<Pem> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            StringBuilder headers = new StringBuilder();
            StringBuilder base64 = new StringBuilder();
            for (String line : body.split("\\R")) {
                if (line.contains(":")) {
                    headers.append(line).append('\n');
                } else {
                    base64.append(line.strip());
                }
            }
            try {
                blocks.add(new Pem(m.group(1), headers.toString(), Base64.getDecoder().decode(base64.toString())));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(option + "=" + file + ": the PEM block " + m.group(1) + " is not valid base64: "
                        + e.getMessage(), e);
            }
        }
        if (blocks.isEmpty()) {
            throw new ConfigException(option + "=" + file + " is not a PEM file (no -----BEGIN ...----- block)");
        }
        return blocks;
    }

    // ---- helpers ----

    private static int queryStart(String uri) {
        int hosts = uri.indexOf("://");
        return uri.indexOf('?', hosts < 0 ? 0 : hosts + 3);
    }

    private static boolean bool(String option, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException("MONGODB_URI: " + option + " must be true or false, got '" + value + "'");
        };
    }

    private static Path path(String option, String value) {
        if (value.isBlank()) {
            throw new ConfigException("MONGODB_URI: " + option + " is empty; it must name a PEM file");
        }
        return Path.of(value);
    }

    /** Trusts every server certificate (tlsAllowInvalidCertificates / tlsInsecure); no host name check either. */
    static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /**
     * The CA file's trust manager; a rejected server certificate is reported with the file it was checked against,
     * so that the driver's connection error (which carries this message) says where to look.
     */
    static final class NamedTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final Path caFile;

        NamedTrustManager(X509ExtendedTrustManager delegate, Path caFile) {
            this.delegate = delegate;
            this.caFile = caFile;
        }

        private interface Check {
            void run() throws CertificateException;
        }

        /** Runs the delegate's check; a refusal names the certificate's subject and the CA file. */
        private void named(X509Certificate[] chain, Check check) throws CertificateException {
            try {
                check.run();
            } catch (CertificateException e) {
                throw named(chain, e);
            }
        }

        private CertificateException named(X509Certificate[] chain, CertificateException e) {
            String subject = chain == null || chain.length == 0 ? "none" : chain[0].getSubjectX500Principal().getName();
            return new CertificateException("the MongoDB server's TLS certificate (" + subject + ") is not accepted with"
                    + " the CA certificate(s) of tlsCAFile=" + caFile + " (a host name mismatch can be allowed with"
                    + " tlsAllowInvalidHostnames=true): " + e.getMessage(), e);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            named(chain, () -> delegate.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            named(chain, () -> delegate.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            named(chain, () -> delegate.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
