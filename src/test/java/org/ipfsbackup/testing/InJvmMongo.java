package org.ipfsbackup.testing;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * An in-JVM mongo-java-server on a free 127.0.0.1 port, optionally with its oplog ({@code local.oplog.rs}), for the
 * tests that need a MongoDB but not the local stack. {@link #uri()} has no trailing slash, so options can be added.
 */
public final class InJvmMongo implements AutoCloseable {
    private final MongoServer server;
    private final String uri;
    private MongoClient client;

    private InJvmMongo(boolean oplog) {
        MemoryBackend backend = new MemoryBackend();
        if (oplog) {
            backend.enableOplog();
        }
        server = new MongoServer(backend);
        server.bind("127.0.0.1", 0);
        uri = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
    }

    /** A started server; {@code oplog}: with the oplog that incrementals read. */
    public static InJvmMongo start(boolean oplog) {
        return new InJvmMongo(oplog);
    }

    public String uri() {
        return uri;
    }

    public int port() {
        return server.getLocalAddress().getPort();
    }

    /** The URI with credentials added, for settings whose URI only reaches mongodump's config file. */
    public String uriWithCredentials(String user, String password) {
        return uri.replace("mongodb://", "mongodb://" + user + ":" + password + "@");
    }

    /** One client for the test's own reads and writes, closed with the server. */
    public synchronized MongoClient client() {
        if (client == null) {
            client = MongoClients.create(uri);
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
        server.shutdownNow();
    }
}
