package org.ipfsbackup.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made by the test with {@code openssl} (installed on the build machines): PEM files for the
 * CA, and for certificates it signs (server certificates for 127.0.0.1/localhost or other names, client
 * certificates), each key as PKCS#8 unless asked otherwise.
 */
public final class TestCertificates {
    private final Path dir;
    private final String name;

    private TestCertificates(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** A new self-signed CA ({@code CN=name}) in {@code dir/name-ca.pem}, key in {@code dir/name-ca.key}. */
    public static TestCertificates newCa(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        TestCertificates ca = new TestCertificates(dir, name);
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name + " test CA",
                "-keyout", ca.caKey().toString(), "-out", ca.caCert().toString(),
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    public Path caCert() {
        return dir.resolve(name + "-ca.pem");
    }

    public Path caKey() {
        return dir.resolve(name + "-ca.key");
    }

    /** A server certificate for the given subjectAltName entries ({@code IP:127.0.0.1}, {@code DNS:localhost}). */
    public Issued server(String leaf, String... altNames) throws IOException {
        return issue(leaf, "serverAuth", altNames);
    }

    /** A client certificate ({@code CN=leaf}). */
    public Issued client(String leaf) throws IOException {
        return issue(leaf, "clientAuth");
    }

    private Issued issue(String leaf, String usage, String... altNames) throws IOException {
        Path key = dir.resolve(name + "-" + leaf + ".key");
        Path csr = dir.resolve(name + "-" + leaf + ".csr");
        Path cert = dir.resolve(name + "-" + leaf + ".pem");
        Path ext = dir.resolve(name + "-" + leaf + ".ext");
        StringBuilder e = new StringBuilder("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=" + usage + "\n");
        if (altNames.length > 0) {
            e.append("subjectAltName=").append(String.join(",", altNames)).append('\n');
        }
        Files.writeString(ext, e.toString());
        openssl(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + leaf, "-keyout", key.toString(),
                "-out", csr.toString());
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert().toString(), "-CAkey", caKey().toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());
        return new Issued(cert, key);
    }

    /** A certificate and its (PKCS#8, unencrypted) key. */
    public record Issued(Path cert, Path key) {
        /** Certificate and key in one PEM file, as MongoDB's tlsCertificateKeyFile wants them. */
        public Path combined() throws IOException {
            Path p = cert.resolveSibling(cert.getFileName().toString().replace(".pem", "-combined.pem"));
            Files.writeString(p, Files.readString(cert) + Files.readString(key));
            return p;
        }

        /** Certificate plus the key in another form: {@code -traditional} (PKCS#1), or encrypted PKCS#8 with a password. */
        public Path combinedWith(String form, String password) throws IOException {
            Path dir = cert.getParent();
            Path k = dir.resolve(cert.getFileName().toString().replace(".pem", "-" + form + ".key"));
            List<String> cmd = new ArrayList<>(List.of("pkey", "-in", key.toString(), "-out", k.toString()));
            if (form.equals("pkcs1")) {
                cmd.add("-traditional");
            } else if (form.equals("encrypted")) {
                cmd.addAll(List.of("-aes-256-cbc", "-passout", "pass:" + password));
            }
            openssl(dir, cmd.toArray(String[]::new));
            Path p = dir.resolve(cert.getFileName().toString().replace(".pem", "-" + form + "-combined.pem"));
            Files.writeString(p, Files.readString(cert) + Files.readString(k));
            return p;
        }
    }

    static void openssl(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl did not finish: " + cmd);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl failed (" + p.exitValue() + "): " + cmd + "\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
    }
}
