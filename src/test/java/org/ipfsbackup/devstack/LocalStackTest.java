package org.ipfsbackup.devstack;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.bson.BsonBinarySubType;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The local stack's programs really work together: pinning through the cluster, the seeded source, the oplog, mail. */
@Tag("stack")
@ExtendWith(StackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalStackTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static LocalStack stack;
    private static Map<String, String> env;

    @BeforeAll
    static void stack(LocalStack s) {
        stack = s;
        env = s.env();
    }

    @Test
    @Order(1)
    void envNamesEveryEndpointOnLoopback() {
        assertThat(env).containsKeys("MONGODB_URI", "RESTORE_MONGODB_URI", "IPFS_CLUSTER_NODE_1", "IPFS_CLUSTER_NODE_2",
                "IPFS_NODE_1", "IPFS_NODE_2", "SMTP_HOST", "SMTP_PORT", "IMAP_HOST", "IMAP_PORT", "BACKUP_WORK_DIR");
        assertThat(env.get("MONGODB_URI")).startsWith("mongodb://127.0.0.1:")
                .contains("replicaSet=" + LocalStack.REPLICA_SET).contains("readPreference=secondaryPreferred");
        assertThat(env.get("RESTORE_MONGODB_URI")).startsWith("mongodb://127.0.0.1:");
        for (String k : List.of("IPFS_CLUSTER_NODE_1", "IPFS_CLUSTER_NODE_2", "IPFS_NODE_1", "IPFS_NODE_2")) {
            assertThat(env.get(k)).as(k).matches("http://127\\.0\\.0\\.1:\\d+");
        }
        assertThat(env.get("SMTP_HOST")).isEqualTo("127.0.0.1");
        assertThat(java.nio.file.Path.of(env.get("BACKUP_WORK_DIR"))).isDirectory().startsWith(stack.stateDir());
        assertThat(stack.pids()).hasSize(LocalStack.PROCESS_NAMES.size());
    }

    @Test
    @Order(1)
    void theClusterRestApiWantsTheUserAndPasswordOfTheEnv() throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of(env.get("IPFS_CLUSTER_PASSWORD_FILE"));
        assertThat(env.get("IPFS_CLUSTER_USER")).isEqualTo(LocalStack.CLUSTER_USER);
        assertThat(file).startsWith(stack.stateDir());
        assertThat(java.nio.file.Files.getPosixFilePermissions(file))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String wrong = "Basic " + java.util.Base64.getEncoder().encodeToString(
                (LocalStack.CLUSTER_USER + ":wrong").getBytes(StandardCharsets.UTF_8));
        for (String cluster : List.of("IPFS_CLUSTER_NODE_1", "IPFS_CLUSTER_NODE_2")) {
            String id = env.get(cluster) + "/id";
            assertThat(Http.get(id, java.time.Duration.ofSeconds(10)).statusCode()).as("no credentials").isEqualTo(401);
            assertThat(Http.get(id, wrong, java.time.Duration.ofSeconds(10)).statusCode()).as("wrong password").isEqualTo(401);
            assertThat(Http.get(id, LocalStack.clusterAuthorization(env), java.time.Duration.ofSeconds(10)).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    @Order(2)
    void clusterPinsAFileOnBothPeersAndEachKuboNodeServesIt() throws Exception {
        byte[] content = ("local stack test " + UUID.randomUUID() + " äöü 🚀\n").getBytes(StandardCharsets.UTF_8);
        String cid = StackClient.clusterAdd(env, env.get("IPFS_CLUSTER_NODE_1"), "hello.txt", content);
        assertThat(cid).startsWith("baf");
        for (String cluster : List.of("IPFS_CLUSTER_NODE_1", "IPFS_CLUSTER_NODE_2")) {
            StackClient.awaitPinnedOnBoth(env, env.get(cluster), cid);
        }
        for (String kubo : List.of("IPFS_NODE_1", "IPFS_NODE_2")) {
            assertThat(StackClient.kuboCatOffline(env.get(kubo), cid)).as("cat on " + kubo).isEqualTo(content);
        }
    }

    @Test
    @Order(3)
    void sourceHoldsTheSeedDataAndRecordsWritesInItsOplog() {
        try (MongoClient client = MongoClients.create(env.get("MONGODB_URI"))) {
            assertThat(client.getDatabase("shop").getCollection("customers").countDocuments()).isEqualTo(SampleData.CUSTOMERS);
            assertThat(client.getDatabase("shop").getCollection("orders").countDocuments()).isEqualTo(SampleData.ORDERS);
            assertThat(client.getDatabase("inventory").getCollection("items").countDocuments()).isEqualTo(SampleData.ITEMS);
            assertThat(client.getDatabase("analytics").getCollection("events").countDocuments()).isEqualTo(SampleData.EVENTS);

            Document customer = client.getDatabase("shop").getCollection("customers").find(Filters.eq("customerNo", 1)).first();
            assertThat(customer).isNotNull();
            assertThat(customer.get("_id")).isInstanceOf(ObjectId.class);
            assertThat(customer.get("name")).isInstanceOf(Document.class);
            assertThat(customer.get("tags")).isInstanceOf(List.class);
            assertThat(customer.get("createdAt")).isInstanceOf(Date.class);
            assertThat(customer.get("loyaltyPoints")).isInstanceOf(Integer.class);
            assertThat(customer.get("lifetimeCents")).isInstanceOf(Long.class);
            assertThat(customer.get("rating")).isInstanceOf(Double.class);
            assertThat(customer.get("vip")).isInstanceOf(Boolean.class);
            assertThat(customer.containsKey("lastLogin")).isTrue();
            assertThat(customer.get("lastLogin")).isNull();
            assertThat(customer.get("externalId", Binary.class).getType()).isEqualTo(BsonBinarySubType.UUID_STANDARD.getValue());
            assertThat(customer.getString("notes")).contains("Ünïcødé").contains("📦");
            assertThat(client.getDatabase("shop").getCollection("orders").find().first().get("version"))
                    .isInstanceOf(BsonTimestamp.class);

            List<Document> indexes = client.getDatabase("shop").getCollection("customers").listIndexes().into(new ArrayList<>());
            assertThat(indexes).anySatisfy(i -> {
                assertThat(i.getString("name")).isEqualTo("email_unique");
                assertThat(i.getBoolean("unique")).isTrue();
            });

            MongoDatabase local = client.getDatabase("local");
            Document oplogInfo = local.listCollections().filter(Filters.eq("name", "oplog.rs")).first();
            assertThat(oplogInfo).as("local.oplog.rs").isNotNull();
            assertThat(oplogInfo.get("options", Document.class).getBoolean("capped")).isTrue();

            ObjectId id = new ObjectId();
            client.getDatabase("devstack").getCollection("probe").insertOne(new Document("_id", id).append("at", new Date()));
            MongoCollection<Document> oplog = local.getCollection("oplog.rs");
            LocalStack.poll("oplog entry for the insert", TIMEOUT, () ->
                    oplog.find(Filters.and(Filters.eq("ns", "devstack.probe"), Filters.eq("o._id", id))).first() != null);
            Document entry = oplog.find(Filters.and(Filters.eq("ns", "devstack.probe"), Filters.eq("o._id", id))).first();
            assertThat(entry.getString("op")).isEqualTo("i");
            assertThat(entry.get("ts")).isInstanceOf(BsonTimestamp.class);
        }
        try (MongoClient target = MongoClients.create(env.get("RESTORE_MONGODB_URI"))) {
            assertThat(target.listDatabaseNames().into(new ArrayList<>())).doesNotContain("shop", "inventory", "analytics");
        }
    }

    @Test
    @Order(4)
    void smtpAcceptsAMailThatImapReadsBack() throws Exception {
        String subject = "devstack test " + UUID.randomUUID();
        Properties smtp = new Properties();
        smtp.put("mail.smtp.host", env.get("SMTP_HOST"));
        smtp.put("mail.smtp.port", env.get("SMTP_PORT"));
        smtp.put("mail.smtp.connectiontimeout", "5000");
        smtp.put("mail.smtp.timeout", "5000");
        MimeMessage message = new MimeMessage(Session.getInstance(smtp));
        message.setFrom(new InternetAddress("backup@devstack.test"));
        message.setRecipients(Message.RecipientType.TO, "ops@devstack.test");
        message.setSubject(subject, "UTF-8");
        message.setText("Backup gelungen ✓", "UTF-8");
        Transport.send(message);

        Properties imap = new Properties();
        imap.put("mail.imap.connectiontimeout", "5000");
        imap.put("mail.imap.timeout", "5000");
        LocalStack.poll("the mail in the IMAP inbox of ops@devstack.test", TIMEOUT, () -> {
            Store store = Session.getInstance(imap).getStore("imap");
            store.connect(env.get("IMAP_HOST"), Integer.parseInt(env.get("IMAP_PORT")), "ops@devstack.test", "any");
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                try {
                    for (Message m : inbox.getMessages()) {
                        if (subject.equals(m.getSubject())) {
                            assertThat(m.getContent().toString()).contains("Backup gelungen ✓");
                            return true;
                        }
                    }
                    return false;
                } finally {
                    inbox.close(false);
                }
            } finally {
                store.close();
            }
        });
    }

    @Test
    @Order(5)
    void attachReadsTheSameStackFromStackJson() {
        LocalStack attached = LocalStack.attach(stack.stateDir());
        assertThat(attached.env()).isEqualTo(env);
        assertThat(attached.pidsByName()).isEqualTo(stack.pidsByName());
        assertThat(attached.processNames()).containsExactlyElementsOf(LocalStack.PROCESS_NAMES);
        assertThat(attached.isReady("kubo1")).isTrue();
    }

    @Test
    @Order(6)
    void aRestartedKuboNodeAndClusterPeerRejoinWithTheSameConfig() throws Exception {
        long kuboPid = stack.pidsByName().get("kubo2");
        long clusterPid = stack.pidsByName().get("cluster2");
        stack.stopProcess("cluster2");
        stack.stopProcess("kubo2");
        assertThat(stack.isRunning("kubo2")).isFalse();
        assertThat(stack.isRunning("cluster2")).isFalse();
        assertThat(ProcessHandle.of(kuboPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

        stack.startProcess("kubo2");
        stack.startProcess("cluster2");
        assertThat(stack.pidsByName().get("kubo2")).isNotEqualTo(kuboPid);
        assertThat(stack.pidsByName().get("cluster2")).isNotEqualTo(clusterPid);
        assertThat(LocalStack.attach(stack.stateDir()).pidsByName()).isEqualTo(stack.pidsByName());
        stack.awaitClusterPeers(TIMEOUT);

        byte[] content = ("after restart " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        String cid = StackClient.clusterAdd(env, env.get("IPFS_CLUSTER_NODE_2"), "again.txt", content);
        StackClient.awaitPinnedOnBoth(env, env.get("IPFS_CLUSTER_NODE_1"), cid);
        for (String kubo : List.of("IPFS_NODE_1", "IPFS_NODE_2")) {
            assertThat(StackClient.kuboCatOffline(env.get(kubo), cid)).as("cat on " + kubo).isEqualTo(content);
        }
    }
}
