package org.ipfsbackup.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.bson.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every socket of every process of the stack, after traffic through all of them, is on loopback: listeners bound to
 * 127.0.0.1/::1, connections with 127.0.0.1/::1 peers. Read from /proc (see {@link SocketTable}).
 */
@Tag("stack")
@ExtendWith(StackExtension.class)
class LoopbackOnlyTest {
    private static LocalStack stack;

    @BeforeAll
    static void stack(LocalStack s) {
        stack = s;
    }

    @Test
    void everySocketOfTheStackIsOnLoopbackAfterTraffic() throws Exception {
        traffic(stack.env());

        Map<String, Long> pids = stack.pidsByName();
        assertThat(pids.keySet()).containsExactlyInAnyOrderElementsOf(LocalStack.PROCESS_NAMES);
        List<String> violations = new ArrayList<>();
        Set<Integer> listenedPorts = new HashSet<>();
        int connections = 0;
        for (Map.Entry<String, Long> p : pids.entrySet()) {
            for (SocketTable.Socket s : SocketTable.of(p.getValue())) {
                String where = p.getKey() + " (PID " + p.getValue() + "): " + s;
                if (s.unbound()) {
                    continue;
                }
                if (s.listening()) {
                    listenedPorts.add(s.localPort());
                    if (!SocketTable.isLoopback(s.local())) {
                        violations.add(where + " listens on a non-loopback address " + s.local().getHostAddress());
                    }
                } else {
                    connections++;
                    if (!SocketTable.isLoopback(s.remote())) {
                        violations.add(where + " is connected to a non-loopback peer " + s.remote().getHostAddress());
                    }
                    if (!SocketTable.isLoopback(s.local())) {
                        violations.add(where + " uses a non-loopback local address " + s.local().getHostAddress());
                    }
                }
            }
        }
        assertThat(violations).as("sockets of the stack off loopback").isEmpty();
        // the check saw the sockets at all: every configured port is listened on, and there are live connections
        List<Integer> ports = new ArrayList<>();
        stack.info().path("ports").forEach(n -> ports.add(n.asInt()));
        assertThat(listenedPorts).as("ports listened on by the stack").containsAll(ports);
        assertThat(connections).as("connections between the stack's processes").isGreaterThan(0);
    }

    /** Some traffic through every program: a pin through the cluster, reads on both Kubo nodes, MongoDB, SMTP. */
    private static void traffic(Map<String, String> env) throws Exception {
        byte[] content = ("loopback " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        String cid = StackClient.clusterAdd(env, env.get("IPFS_CLUSTER_NODE_2"), "loopback.txt", content);
        StackClient.awaitPinnedOnBoth(env, env.get("IPFS_CLUSTER_NODE_1"), cid);
        for (String kubo : List.of("IPFS_NODE_1", "IPFS_NODE_2")) {
            assertThat(StackClient.kuboCatOffline(env.get(kubo), cid)).isEqualTo(content);
        }
        for (String cluster : List.of("IPFS_CLUSTER_NODE_1", "IPFS_CLUSTER_NODE_2")) {
            JsonNode id = LocalStack.JSON.readTree(Http.get(env.get(cluster) + "/id", LocalStack.clusterAuthorization(env), Duration.ofSeconds(10)).body());
            assertThat(id.path("error").asText()).isEmpty();
        }
        for (String uri : List.of(env.get("MONGODB_URI"), env.get("RESTORE_MONGODB_URI"))) {
            try (MongoClient client = MongoClients.create(uri)) {
                client.getDatabase("devstack").getCollection("loopback").insertOne(new Document("at", new java.util.Date()));
                assertThat(client.getDatabase("devstack").getCollection("loopback").countDocuments()).isPositive();
            }
        }
        Properties smtp = new Properties();
        smtp.put("mail.smtp.host", env.get("SMTP_HOST"));
        smtp.put("mail.smtp.port", env.get("SMTP_PORT"));
        MimeMessage message = new MimeMessage(Session.getInstance(smtp));
        message.setFrom(new InternetAddress("backup@devstack.test"));
        message.setRecipients(Message.RecipientType.TO, "ops@devstack.test");
        message.setSubject("loopback");
        message.setText("loopback");
        Transport.send(message);
    }
}
