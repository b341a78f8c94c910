package org.ipfsbackup.job;

import org.ipfsbackup.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Two (or more) lock instances on one in-JVM MongoDB stand for instances of the application in two processes. */
class BackupLockLeaseTest {
    static final Duration LEASE = Duration.ofMinutes(2);

    MongoServer server;
    MongoClient client;
    MongoCollection<Document> locks;
    MutableClock clock = new MutableClock(Instant.parse("2026-11-29T02:00:00Z"));
    final List<BackupLock> instances = new ArrayList<>();
    final ExecutorService threads = Executors.newCachedThreadPool();
    final ListAppender<ILoggingEvent> log = new ListAppender<>();
    final Logger lockLogger = (Logger) LoggerFactory.getLogger("ipfs-backup.lock");

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        InetSocketAddress address = server.getLocalAddress();
        client = MongoClients.create("mongodb://127.0.0.1:" + address.getPort() + "/");
        locks = client.getDatabase("ipfs_backup").getCollection(BackupLock.COLLECTION);
        log.start();
        lockLogger.addAppender(log);
        // the lock's INFO lines are what these tests read: a CLI test run earlier in this JVM may have set WARN
        lockLogger.setLevel(ch.qos.logback.classic.Level.INFO);
    }

    @AfterEach
    void stop() {
        lockLogger.detachAppender(log);
        lockLogger.setLevel(null);
        instances.forEach(BackupLock::close);
        threads.shutdownNow();
        client.close();
        server.shutdownNow();
    }

    /** An instance whose heartbeat never fires during a test: renewals are driven by hand ({@link BackupLock#heartbeat()}). */
    BackupLock instance(String name) {
        return instance(name, clock, LEASE, LEASE.minusSeconds(1));
    }

    BackupLock instance(String name, Clock c, Duration lease, Duration heartbeatEvery) {
        BackupLock l = new BackupLock(locks, c, lease, heartbeatEvery, Duration.ofMillis(20), name + ":4711:abcd");
        instances.add(l);
        return l;
    }

    Document lease() {
        return locks.find(new Document("_id", "backup")).first();
    }

    List<String> messages() {
        synchronized (log.list) {
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Test
    void onlyOneInstanceHoldsItAndReleaseLetsTheOtherIn() {
        BackupLock a = instance("host-a"), b = instance("host-b");

        assertThat(a.tryAcquire("full")).isTrue();
        assertThat(b.tryAcquire("incremental")).isFalse();
        assertThat(b.holder()).isEqualTo("full (owner host-a:4711:abcd)");
        assertThat(b.currentHolder()).hasValueSatisfying(h -> {
            assertThat(h.job()).isEqualTo("full");
            assertThat(h.owner()).isEqualTo("host-a:4711:abcd");
            assertThat(h.acquiredAt()).isEqualTo(clock.instant());
            assertThat(h.heartbeatAt()).isEqualTo(clock.instant());
            assertThat(h.expiresAt()).isEqualTo(clock.instant().plus(LEASE));
        });
        assertThat(messages()).anyMatch(m -> m.contains("job=incremental outcome=busy")
                && m.contains("holder=\"full (owner host-a:4711:abcd)\"") && m.contains("another instance"));

        a.release();
        assertThat(lease()).isNull();
        assertThat(a.holder()).isNull();
        assertThat(b.tryAcquire("retention")).isTrue();
        assertThat(a.holder()).isEqualTo("retention (owner host-b:4711:abcd)");
        assertThat(a.tryAcquire("incremental")).isFalse();
    }

    @Test
    void oneInstanceRunsOneJobAtATime() throws Exception {
        BackupLock a = instance("host-a");
        assertThat(a.tryAcquire("full")).isTrue();
        assertThat(a.tryAcquire("incremental")).isFalse();
        assertThat(a.acquire("full", Duration.ofMillis(50))).isFalse();
        assertThat(a.holder()).isEqualTo("full (owner host-a:4711:abcd)");
        assertThat(messages()).anyMatch(m -> m.contains("job=incremental outcome=busy") && m.contains("this instance runs another job"));
        a.release();
        assertThat(a.tryAcquire("incremental")).isTrue();
    }

    @Test
    void releaseByANonOwnerDoesNothing() {
        BackupLock a = instance("host-a"), b = instance("host-b");
        assertThat(a.tryAcquire("full")).isTrue();

        b.release();
        assertThat(lease().getString("owner")).isEqualTo("host-a:4711:abcd");
        assertThat(b.tryAcquire("incremental")).isFalse();
        assertThat(messages()).anyMatch(m -> m.contains("owner=host-b:4711:abcd outcome=ignored"));

        // a second release by the owner does not hand out a second permit
        a.release();
        a.release();
        assertThat(a.tryAcquire("full")).isTrue();
        assertThat(a.tryAcquire("incremental")).isFalse();
    }

    @Test
    void aDeadOwnersLeaseIsTakenOverAfterExpiryNotBefore() {
        BackupLock a = instance("host-a"), b = instance("host-b");
        assertThat(a.tryAcquire("full")).isTrue();
        a.close(); // the process died: no more heartbeats

        clock.advance(LEASE.minusSeconds(1));
        assertThat(b.tryAcquire("incremental")).isFalse();
        clock.advance(Duration.ofSeconds(1)); // expiresAt == now: not yet expired
        assertThat(b.tryAcquire("incremental")).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(b.tryAcquire("incremental")).isTrue();

        assertThat(b.holder()).isEqualTo("incremental (owner host-b:4711:abcd)");
        assertThat(lease().getDate("expiresAt").toInstant()).isEqualTo(clock.instant().plus(LEASE));
        assertThat(messages()).anyMatch(m -> m.contains("outcome=taken-over") && m.contains("previousOwner=host-a:4711:abcd")
                && m.contains("previousJob=full"));

        // the old owner, if it comes back, can neither renew nor delete the new owner's lease
        assertThat(a.heartbeat()).isFalse();
        a.release();
        assertThat(lease().getString("owner")).isEqualTo("host-b:4711:abcd");
    }

    @Test
    void aRenewedLeaseIsNotTakenOver() {
        BackupLock a = instance("host-a"), b = instance("host-b");
        assertThat(a.tryAcquire("full")).isTrue();

        clock.advance(Duration.ofSeconds(90));
        assertThat(a.heartbeat()).isTrue();
        assertThat(lease().getDate("heartbeatAt").toInstant()).isEqualTo(clock.instant());
        clock.advance(Duration.ofSeconds(90)); // past the first expiry
        assertThat(b.tryAcquire("incremental")).isFalse();
        clock.advance(Duration.ofSeconds(31)); // past the renewed one
        assertThat(b.tryAcquire("incremental")).isTrue();
    }

    @Test
    void theHeartbeatRenewsWhileHeld() {
        Duration lease = Duration.ofMillis(600);
        BackupLock a = instance("host-a", Clock.systemUTC(), lease, Duration.ofMillis(100));
        BackupLock b = instance("host-b", Clock.systemUTC(), lease, Duration.ofMillis(100));
        assertThat(a.tryAcquire("full")).isTrue();
        Instant firstExpiry = lease().getDate("expiresAt").toInstant();

        await().atMost(Duration.ofSeconds(10)).until(() -> lease().getDate("heartbeatAt").toInstant().isAfter(firstExpiry));
        assertThat(b.tryAcquire("incremental")).isFalse();
        assertThat(b.holder()).startsWith("full (owner host-a");

        a.release();
        assertThat(b.tryAcquire("incremental")).isTrue();
    }

    @Test
    void aWaitingFullGetsItWhenTheHolderReleases() throws Exception {
        BackupLock a = instance("host-a"), b = instance("host-b");
        assertThat(a.tryAcquire("incremental")).isTrue();

        CountDownLatch bIsWaiting = new CountDownLatch(1);
        Future<?> releaser = threads.submit(() -> {
            bIsWaiting.await();
            a.release();
            return null;
        });
        Future<Boolean> full = threads.submit(() -> b.acquire("full", Duration.ofSeconds(30)));

        await().atMost(Duration.ofSeconds(10)).until(() -> messages().stream().anyMatch(m -> m.contains("job=full outcome=waiting")
                && m.contains("holder=\"incremental (owner host-a:4711:abcd)\"")));
        bIsWaiting.countDown();

        assertThat(full.get(10, TimeUnit.SECONDS)).isTrue();
        releaser.get(10, TimeUnit.SECONDS);
        assertThat(a.holder()).isEqualTo("full (owner host-b:4711:abcd)");
        assertThat(messages()).anyMatch(m -> m.contains("job=full owner=host-b:4711:abcd outcome=acquired-after-waiting"));
    }

    @Test
    void aWaitingFullGivesUpAfterTheWait() throws Exception {
        BackupLock a = instance("host-a"), b = instance("host-b");
        assertThat(a.tryAcquire("incremental")).isTrue();

        assertThat(b.acquire("full", Duration.ofMillis(150))).isFalse();
        assertThat(lease().getString("owner")).isEqualTo("host-a:4711:abcd");
        assertThat(messages()).anyMatch(m -> m.contains("job=full outcome=gave-up") && m.contains("incremental (owner host-a:4711:abcd)"));

        a.release(); // b kept no permit from the failed wait
        assertThat(b.tryAcquire("incremental")).isTrue();
    }

    @Test
    void racingInstancesOneWins() throws Exception {
        List<BackupLock> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(instance("host-" + i));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> tries = new ArrayList<>();
        for (BackupLock l : all) {
            tries.add(threads.submit(() -> {
                go.await();
                return l.tryAcquire("incremental");
            }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Boolean> t : tries) {
            winners += t.get(10, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(winners).isEqualTo(1);
        assertThat(locks.countDocuments()).isEqualTo(1);
    }

    @Test
    void inProcessOnlyWithoutMongo() throws Exception {
        BackupLock l = new BackupLock();
        assertThat(l.tryAcquire("full")).isTrue();
        assertThat(l.tryAcquire("incremental")).isFalse();
        assertThat(l.holder()).isEqualTo("full");
        assertThat(l.acquire("retention", Duration.ofMillis(20))).isFalse();
        l.release();
        l.release();
        assertThat(l.holder()).isNull();
        assertThat(l.acquire("full", Duration.ofMillis(20))).isTrue();
        assertThat(l.tryAcquire("incremental")).isFalse();
    }

    @Test
    void theOwnerNamesHostAndPid() {
        assertThat(BackupLock.defaultOwner()).matches("[^:]+:" + ProcessHandle.current().pid() + ":[0-9a-f]{8}");
    }
}
