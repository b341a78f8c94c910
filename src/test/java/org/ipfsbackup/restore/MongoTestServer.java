package org.ipfsbackup.restore;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.LoggerFactory;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/** An in-JVM mongo-java-server on a free loopback port, with a client that records the commands it sends. */
final class MongoTestServer implements AutoCloseable {

    static {
        // Without a logback-test.xml everything logs at DEBUG, and mongo-java-server then logs every wire
        // message in full: hundreds of MB and minutes for the restore tests.
        for (String name : List.of("de.bwaldvogel", "org.mongodb", "io.netty")) {
            ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.WARN);
        }
    }

    private final MongoServer server;
    private final MongoClient client;
    private final List<CommandStartedEvent> commands = new CopyOnWriteArrayList<>();

    MongoTestServer() {
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        InetSocketAddress address = server.getLocalAddress();
        client = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + address.getPort()))
                .addCommandListener(new CommandListener() {
                    @Override
                    public void commandStarted(CommandStartedEvent event) {
                        commands.add(event);
                    }
                })
                .build());
    }

    MongoClient client() {
        return client;
    }

    /** Commands named {@code name} sent so far (e.g. {@code "insert"}). */
    List<CommandStartedEvent> commands(String name) {
        return commands.stream().filter(c -> c.getCommandName().equals(name)).toList();
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }
}
