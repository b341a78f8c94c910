package org.ipfsbackup.dump;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.net.InetSocketAddress;

/** An in-JVM mongo-java-server on a free 127.0.0.1 port, optionally with its oplog ({@code local.oplog.rs}). */
final class MongoJavaServer implements AutoCloseable {

    final MongoServer server;
    final String uri;
    final MongoClient client;

    MongoJavaServer(boolean oplog) {
        MemoryBackend backend = new MemoryBackend();
        if (oplog) {
            backend.enableOplog();
        }
        server = new MongoServer(backend);
        server.bind("127.0.0.1", 0);
        InetSocketAddress address = server.getLocalAddress();
        uri = "mongodb://127.0.0.1:" + address.getPort() + "/";
        client = MongoClients.create(uri);
    }

    /** The URI with credentials added, for settings whose URI only reaches mongodump's config file. */
    String uriWithCredentials(String user, String password) {
        return uri.replace("mongodb://", "mongodb://" + user + ":" + password + "@");
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }
}
