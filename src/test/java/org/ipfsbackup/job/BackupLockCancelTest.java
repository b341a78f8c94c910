package org.ipfsbackup.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bson.Document;
import org.ipfsbackup.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cancel flag on the lock's lease: two lock instances on one in-JVM MongoDB stand for the instance running a job
 * and the {@code ipfs-backup cancel} process.
 */
class BackupLockCancelTest {
    static final Duration LEASE = Duration.ofMinutes(2);

    MongoServer server;
    MongoClient client;
    MongoCollection<Document> locks;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T02:00:00Z"));
    final List<BackupLock> instances = new ArrayList<>();

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        client = MongoClients.create("mongodb://127.0.0.1:" + server.getLocalAddress().getPort() + "/");
        locks = client.getDatabase("ipfs_backup").getCollection(BackupLock.COLLECTION);
    }

    @AfterEach
    void stop() {
        instances.forEach(BackupLock::close);
        client.close();
        server.shutdownNow();
    }

    /** Heartbeat and cancel watch never fire by themselves: {@link BackupLock#checkCancel()} is called by hand. */
    BackupLock instance(String name) {
        return instance(name, LEASE.minusSeconds(1));
    }

    BackupLock instance(String name, Duration heartbeatEvery) {
        BackupLock l = new BackupLock(locks, clock, LEASE, heartbeatEvery, Duration.ofMillis(20), name + ":4711:abcd");
        instances.add(l);
        return l;
    }

    @Test
    void nothingRunningMeansNothingToCancelAndNothingWritten() {
        BackupLock cli = instance("cli");
        assertThat(cli.requestCancel("ipfs-backup cancel")).isEmpty();
        assertThat(locks.countDocuments()).isZero();
    }

    @Test
    void theHolderSeesTheRequestOfAnotherProcessOnce() {
        BackupLock service = instance("service"), cli = instance("cli");
        List<String> told = new CopyOnWriteArrayList<>();
        service.onCancelRequested(told::add);
        assertThat(service.tryAcquire("full")).isTrue();
        assertThat(service.checkCancel()).isFalse(); // no request yet
        assertThat(told).isEmpty();

        assertThat(cli.requestCancel("ipfs-backup cancel: wrong time")).hasValueSatisfying(h -> {
            assertThat(h.job()).isEqualTo("full");
            assertThat(h.owner()).isEqualTo("service:4711:abcd");
        });
        assertThat(locks.find().first().get(MongoLease.CANCEL_REQUESTED, Document.class).getString("by")).isEqualTo("cli:4711:abcd");
        assertThat(cli.checkCancel()).isFalse(); // the request is for the holder only
        assertThat(service.checkCancel()).isTrue();
        assertThat(told).singleElement().asString().contains("ipfs-backup cancel: wrong time").contains("by cli:4711:abcd");
        assertThat(service.checkCancel()).isFalse(); // told once per job
        assertThat(told).hasSize(1);
    }

    @Test
    void aRequestDoesNotOutliveItsJob() {
        BackupLock a = instance("a"), b = instance("b"), cli = instance("cli");
        List<String> toldB = new CopyOnWriteArrayList<>();
        b.onCancelRequested(toldB::add);
        assertThat(a.tryAcquire("full")).isTrue();
        assertThat(cli.requestCancel("cancel")).isPresent();
        // a dies without seeing it; its lease expires and b takes over for a new job: that job is not cancelled
        clock.advance(LEASE.plusSeconds(1));
        assertThat(cli.requestCancel("too late")).isEmpty(); // an expired lease names no running job
        assertThat(b.tryAcquire("incremental")).isTrue();
        assertThat(b.checkCancel()).isFalse();
        assertThat(toldB).isEmpty();
        // and the same instance's next job starts without the request of its previous one
        List<String> toldA = new CopyOnWriteArrayList<>();
        b.release();
        a.release(); // not held by a any more: nothing happens
        a.onCancelRequested(toldA::add);
        assertThat(a.tryAcquire("full")).isTrue();
        assertThat(cli.requestCancel("cancel 2")).isPresent();
        assertThat(a.checkCancel()).isTrue();
        a.release();
        assertThat(a.tryAcquire("incremental")).isTrue();
        assertThat(a.checkCancel()).isFalse();
        assertThat(toldA).hasSize(1);
    }

    @Test
    void theWatchSeesTheRequestByItself() {
        BackupLock service = instance("service", Duration.ofMillis(100)), cli = instance("cli");
        List<String> told = new CopyOnWriteArrayList<>();
        service.onCancelRequested(told::add);
        assertThat(service.tryAcquire("full")).isTrue();
        assertThat(cli.requestCancel("cancel")).isPresent();
        await().atMost(Duration.ofSeconds(5)).until(() -> told.size() == 1);
    }

    @Test
    void inProcessOnlyTellsTheListenerAtOnce() {
        BackupLock local = new BackupLock();
        List<String> told = new CopyOnWriteArrayList<>();
        local.onCancelRequested(told::add);
        assertThat(local.requestCancel("cancel")).isEmpty();
        assertThat(local.tryAcquire("retention")).isTrue();
        assertThat(local.requestCancel("cancel")).hasValueSatisfying(h -> assertThat(h.job()).isEqualTo("retention"));
        assertThat(told).hasSize(1);
        local.release();
    }
}
