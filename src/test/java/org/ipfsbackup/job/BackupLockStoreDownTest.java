package org.ipfsbackup.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * A lock store that cannot be reached (no MongoDB primary) fails the job after one lease instead of being retried for
 * the whole wait: a full waits for hours for another holder, and used to retry an unreachable store just as long.
 */
class BackupLockStoreDownTest {

    @Test
    void anUnreachableLockStoreFailsAfterOneLeaseNotAfterTheWholeWait() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        MongoClientSettings settings = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + port + "/"))
                .applyToClusterSettings(b -> b.serverSelectionTimeout(100, TimeUnit.MILLISECONDS)).build();
        try (MongoClient client = MongoClients.create(settings)) {
            var locks = client.getDatabase("ipfs_backup").getCollection("locks", Document.class);
            BackupLock lock = new BackupLock(locks, Clock.systemUTC(), Duration.ofSeconds(1), Duration.ofMillis(300),
                    Duration.ofMillis(50), "test:4711:abcd");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> lock.acquire("full", Duration.ofHours(6))).isInstanceOf(MongoException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("given up after about one lease, not the 6 h wait")
                    .isLessThan(Duration.ofSeconds(30));
            // the in-process permit was released: a second try reaches the store again (held, it would just give up)
            assertThatThrownBy(() -> lock.acquire("incremental", Duration.ofMillis(200))).isInstanceOf(MongoException.class);
        }
    }
}
