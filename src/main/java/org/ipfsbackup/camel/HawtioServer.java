package org.ipfsbackup.camel;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.config.HawtioSettings;
import org.ipfsbackup.config.PropertySource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hawtio (the hawtio-war web console) in an embedded Jetty 12, in the application's JVM, opt-in with
 * {@code HAWTIO_ENABLED=true}. It shows this JVM's Camel MBeans: the routes, their statistics, start/stop, and the
 * trigger operations of {@code org.ipfsbackup:type=Operations}. Its Jolokia uses the same access policy as
 * {@code /observe/jolokia} ({@code jolokia-access.xml}). It has no login of its own, so it binds to a loopback
 * address only (reach it from elsewhere through an SSH tunnel); any other address is refused at start.
 */
public final class HawtioServer {
    private static final Logger LOG = LoggerFactory.getLogger(HawtioServer.class);
    private final HawtioSettings settings; // enabled, with the war file found and checked
    private Server server;

    private HawtioServer(HawtioSettings settings) {
        this.settings = settings;
    }

    /** Null unless {@code hawtio.enabled}; checks host (loopback only), port and the war file. */
    public static HawtioServer fromSettings(PropertySource props) {
        return from(HawtioSettings.load(props));
    }

    /** Null unless enabled; the war file must exist (the setting's, else the one beside the application jar). */
    public static HawtioServer from(HawtioSettings settings) {
        if (!settings.enabled()) {
            return null;
        }
        Path war = settings.war() == null ? findWar() : settings.war();
        if (war == null || !Files.isRegularFile(war)) {
            throw new ConfigException("HAWTIO_WAR (hawtio.war) = " + (war == null ? "(not found next to the application jar, lib/hawtio-war-*.war)" : war)
                    + " is not a file: point it at hawtio-war-<version>.war");
        }
        return new HawtioServer(new HawtioSettings(true, settings.host(), settings.port(), war));
    }

    /** {@code lib/hawtio-war-*.war} beside the application jar (where the build copies the runtime dependencies). */
    static Path findWar() {
        try {
            Path jar = Path.of(HawtioServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path base = Files.isDirectory(jar) ? jar.getParent() : jar.getParent(); // target/classes -> target; target/x.jar -> target
            Path lib = base.resolve("lib");
            if (Files.isDirectory(lib)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(lib, "hawtio-war-*.war")) {
                    for (Path p : ds) {
                        return p;
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            LOG.debug("no hawtio war next to the application: {}", e.toString());
        }
        return null;
    }

    public synchronized void start() throws Exception {
        // hawtio-war reads its settings from system properties: no login (loopback only, see above), no proxy to other
        // Jolokia agents, and its Jolokia restricted by the same policy file as /observe/jolokia
        System.setProperty("hawtio.authenticationEnabled", "false");
        System.setProperty("hawtio.disableProxy", "true");
        System.setProperty("hawtio.offline", "true");
        System.setProperty("jolokia.policyLocation", policyFile().toUri().toString());
        Server s = new Server();
        ServerConnector c = new ServerConnector(s);
        c.setHost(settings.host());
        c.setPort(settings.port());
        s.addConnector(c);
        WebAppContext web = new WebAppContext();
        web.setContextPath("/hawtio");
        web.setWar(settings.war().toAbsolutePath().toString());
        // the war brings its own Jolokia (and logging); it must not see the application's Jolokia classes and
        // service files, so the web app's parent only shares the servlet API and Jetty with this JVM's classpath
        web.setClassLoader(new org.eclipse.jetty.ee10.webapp.WebAppClassLoader(new SharedOnly(HawtioServer.class.getClassLoader()), web));
        web.setThrowUnavailableOnStartupException(true);
        s.setHandler(web);
        s.setStopAtShutdown(false);
        s.start();
        server = s;
        LOG.info("Hawtio at http://{}:{}/hawtio/ (Camel routes: /hawtio/camel/routes), war {}", settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host(),
                port(), settings.war().getFileName());
    }

    /** The packaged jolokia-access.xml as a file (the web app cannot see the application's classpath). */
    static Path policyFile() throws IOException {
        Path f = Files.createTempFile("ipfs-backup-jolokia-access", ".xml");
        f.toFile().deleteOnExit();
        try (java.io.InputStream in = HawtioServer.class.getResourceAsStream("/jolokia-access.xml")) {
            if (in == null) {
                throw new IOException("jolokia-access.xml is missing from the application");
            }
            Files.copy(in, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }

    /** Parent of the Hawtio web app: the JDK, plus the servlet API and Jetty from the application's class loader. */
    static final class SharedOnly extends ClassLoader {
        private final ClassLoader app;

        SharedOnly(ClassLoader app) {
            super(ClassLoader.getPlatformClassLoader());
            this.app = app;
        }

        private static boolean shared(String name) {
            return name.startsWith("jakarta.servlet.") || name.startsWith("org.eclipse.jetty.");
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            return shared(name) ? app.loadClass(name) : super.loadClass(name, resolve);
        }

        @Override
        public java.net.URL getResource(String name) {
            return shared(name.replace('/', '.')) ? app.getResource(name) : super.getResource(name);
        }

        @Override
        public java.util.Enumeration<java.net.URL> getResources(String name) throws IOException {
            return shared(name.replace('/', '.')) ? app.getResources(name) : super.getResources(name);
        }
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server == null ? settings.port() : ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public synchronized void stop() {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                LOG.warn("stopping Hawtio: {}", e.toString());
            }
            server = null;
        }
    }
}
