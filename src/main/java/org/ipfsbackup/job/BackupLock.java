package org.ipfsbackup.job;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups (full, incremental) and retention never run at the same time, in this process nor across the instances
 * that share the same MongoDB. A full waits for a running job; an incremental does not wait for a running full: it is
 * skipped, because the full covers it and the next incremental starts at the full's oplog position; retention is
 * skipped too.
 *
 * <p>Two levels: an in-process permit (this instance never runs two jobs), then a lease in MongoDB (one document,
 * {@code _id: "backup"}, in the {@code locks} collection of the manifest database) that names the owner instance
 * ({@code host:pid:random}) and its job. The lease lasts {@link #DEFAULT_LEASE} and a daemon heartbeat renews it
 * every third of that while held; the lease of an instance that died (no heartbeat) is taken over once it has
 * expired, and the takeover is logged with the previous owner and job. Expiry is decided with the injected clock.
 *
 * <p>The no-argument constructor keeps only the in-process permit (tests and single-instance use).
 */
public final class BackupLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.lock");

    public static final String COLLECTION = "locks";
    public static final String LOCK_ID = "backup";
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(2);
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

    private final Semaphore permit = new Semaphore(1, true);
    private final MongoLease lease; // null: in-process only
    private final String owner;
    private final Duration heartbeatEvery;
    private final Duration pollEvery;
    private final ScheduledExecutorService heartbeats;

    private volatile String job; // the job this instance runs, null when it holds nothing
    private ScheduledFuture<?> heartbeat; // guarded by this
    private ScheduledFuture<?> cancelWatch; // guarded by this
    /** Told (once per job) that a cancel was requested for the job this instance holds the lock for; null: nobody listens. */
    private volatile java.util.function.Consumer<String> onCancel;
    private volatile boolean cancelSignalled;
    /** How often the holder looks for a cancel request on its lease (at most the heartbeat interval). */
    public static final Duration CANCEL_POLL = Duration.ofSeconds(2);

    /** In-process exclusivity only: for tests and a single instance. */
    public BackupLock() {
        this.lease = null;
        this.owner = defaultOwner();
        this.heartbeatEvery = null;
        this.pollEvery = DEFAULT_POLL;
        this.heartbeats = null;
    }

    /** Shared by every instance whose {@code locks} collection is this one: lease of 2 min, heartbeat every 40 s. */
    public BackupLock(MongoCollection<Document> locks, Clock clock) {
        this(locks, clock, DEFAULT_LEASE, DEFAULT_LEASE.dividedBy(3), DEFAULT_POLL, defaultOwner());
    }

    /** The lock in {@code <database>.locks}, e.g. the manifest database. */
    public static BackupLock inDatabase(MongoDatabase database, Clock clock) {
        return new BackupLock(database.getCollection(COLLECTION), clock);
    }

    /**
     * The lock in {@code <database>.locks} with this lease (renewed every third of it): how long after a crash
     * (kill -9) of the holder another start may take the lock over.
     */
    public static BackupLock inDatabase(MongoDatabase database, Clock clock, Duration lease) {
        if (lease == null || lease.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new org.ipfsbackup.config.ConfigException("BACKUP_LOCK_LEASE (backup.lock-lease) = " + lease
                    + " is too short: give at least 3s (default 2m)");
        }
        return new BackupLock(database.getCollection(COLLECTION), clock, lease, lease.dividedBy(3), DEFAULT_POLL, defaultOwner());
    }

    BackupLock(MongoCollection<Document> locks, Clock clock, Duration lease, Duration heartbeatEvery, Duration pollEvery, String owner) {
        if (lease.isNegative() || lease.isZero() || heartbeatEvery.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("the heartbeat (" + heartbeatEvery + ") must renew the lease (" + lease + ") before it expires");
        }
        this.lease = new MongoLease(locks, LOCK_ID, owner, clock, lease);
        this.owner = owner;
        this.heartbeatEvery = heartbeatEvery;
        this.pollEvery = pollEvery;
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "backup-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /** This instance's id in the lease document: {@code host:pid:random}. */
    public String owner() {
        return owner;
    }

    /**
     * Waits up to {@code wait} (polling the lease) for the lock; false when another job, here or on another
     * instance, still holds it after that. Says in the log that it waits and for whom.
     */
    public boolean acquire(String job, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        if (!permit.tryAcquire()) {
            LOG.info("lock={} job={} outcome=waiting wait={} holder=\"{}\" reason=\"this instance runs another job\"",
                    LOCK_ID, job, wait, describe(job()));
            if (!permit.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.warn("lock={} job={} outcome=gave-up wait={} holder=\"{}\"", LOCK_ID, job, wait, holder());
                return false;
            }
        }
        boolean taken = false;
        try {
            boolean said = false;
            MongoException failed = null;
            long failingSince = 0;
            while (true) {
                try {
                    if (lease == null || lease.tryTake(job)) {
                        taken = true;
                        held(job);
                        if (said) {
                            LOG.info("lock={} job={} owner={} outcome=acquired-after-waiting", LOCK_ID, job, owner);
                        }
                        return true;
                    }
                    failed = null;
                } catch (MongoException e) {
                    if (failed == null) {
                        failingSince = System.nanoTime();
                    }
                    failed = e;
                    LOG.warn("lock={} job={} outcome=lock-store-error error=\"{}\" (retrying for up to the lease, {})", LOCK_ID, job,
                            e.getMessage(), lease.lease());
                }
                long left = deadline - System.nanoTime();
                // waiting for another holder may take the whole wait; an unreachable lock store fails the job after
                // one lease (backup.lock-lease) instead of retrying for the whole wait (hours for a full)
                if (failed != null && System.nanoTime() - failingSince >= lease.lease().toNanos()) {
                    throw failed;
                }
                if (left <= 0) {
                    if (failed != null) {
                        throw failed;
                    }
                    LOG.warn("lock={} job={} outcome=gave-up wait={} holder=\"{}\"", LOCK_ID, job, wait, holder());
                    return false;
                }
                if (!said && failed == null) {
                    said = true;
                    LOG.info("lock={} job={} outcome=waiting wait={} holder=\"{}\" reason=\"another instance runs it\"",
                            LOCK_ID, job, wait, holder());
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(pollEvery.toNanos(), left));
            }
        } finally {
            if (!taken) {
                permit.release();
            }
        }
    }

    /** Takes the lock only if it is free now, here and on every instance; says in the log who holds it otherwise. */
    public boolean tryAcquire(String job) {
        if (!permit.tryAcquire()) {
            LOG.info("lock={} job={} outcome=busy holder=\"{}\" reason=\"this instance runs another job\"", LOCK_ID, job, describe(job()));
            return false;
        }
        boolean taken = false;
        try {
            if (lease == null || lease.tryTake(job)) {
                taken = true;
                held(job);
                return true;
            }
            LOG.info("lock={} job={} outcome=busy holder=\"{}\" reason=\"another instance runs it\"", LOCK_ID, job, holder());
            return false;
        } finally {
            if (!taken) {
                permit.release();
            }
        }
    }

    /**
     * Who holds the lock, as the callers print it: {@code full (owner host:pid:random)} from the lease document
     * (just {@code full} in-process only); null when nobody does.
     */
    public String holder() {
        if (lease != null) {
            try {
                Optional<LeaseHolder> h = lease.read();
                if (h.isPresent()) {
                    return lease.expired(h.get()) ? h.get() + ", lease expired" : h.get().toString();
                }
            } catch (MongoException e) {
                LOG.debug("lock={} could not read the lease: {}", LOCK_ID, e.getMessage());
            }
        }
        return describe(job());
    }

    /** The lease document as it is now (empty in-process only, or when nobody holds it). */
    public Optional<LeaseHolder> currentHolder() {
        return lease == null ? Optional.empty() : lease.read();
    }

    /**
     * Whether the instance {@code someOwner} ({@code host:pid:random}) runs a job now: it holds the lease and the lease
     * has not expired. In-process only: whether it is this instance and it holds the lock.
     */
    public boolean runsJob(String someOwner) {
        if (lease == null) {
            return owner.equals(someOwner) && job != null;
        }
        Optional<LeaseHolder> h = lease.read();
        return h.isPresent() && h.get().owner().equals(someOwner) && !lease.expired(h.get());
    }

    /**
     * Who is told when a cancel is requested for the job this instance runs ({@link #requestCancel}, from any process on
     * the same MongoDB): called once per job, from the heartbeat thread, with the request in words.
     */
    public void onCancelRequested(java.util.function.Consumer<String> listener) {
        this.onCancel = listener;
    }

    /**
     * Asks whoever holds the lock (this instance or another one) to cancel its job: with a lease, the request is set on
     * the lease document and the holder sees it within {@link #CANCEL_POLL}; in-process only, the listener is told now.
     *
     * @return the holder that was asked; empty when no job runs (nothing changed)
     */
    public Optional<LeaseHolder> requestCancel(String reason) {
        if (lease == null) {
            String j = job;
            if (j == null) {
                return Optional.empty();
            }
            signalCancel(reason + " (by " + owner + ")");
            return Optional.of(new LeaseHolder(j, owner, null, null, null));
        }
        Optional<LeaseHolder> asked = lease.requestCancel(owner, reason);
        asked.ifPresent(h -> LOG.warn("lock={} outcome=cancel-requested holder=\"{}\" reason=\"{}\"", LOCK_ID, h, reason));
        return asked;
    }

    /** Looks for a cancel request on our lease and tells the listener (once per job); the cancel watch calls this. */
    boolean checkCancel() {
        if (lease == null || job == null || cancelSignalled) {
            return false;
        }
        try {
            Optional<String> request = lease.cancelRequest();
            if (request.isPresent() && job != null) {
                signalCancel(request.get());
                return true;
            }
        } catch (RuntimeException e) {
            LOG.debug("lock={} could not read the lease for a cancel request: {}", LOCK_ID, e.getMessage());
        }
        return false;
    }

    private void signalCancel(String request) {
        if (cancelSignalled) {
            return;
        }
        cancelSignalled = true;
        LOG.warn("lock={} job={} owner={} outcome=cancelling request=\"{}\"", LOCK_ID, job, owner, request);
        java.util.function.Consumer<String> l = onCancel;
        if (l != null) {
            l.accept(request);
        }
    }

    /** Releases the lock if this instance holds it: the lease is deleted only if it is still ours. Else nothing. */
    public void release() {
        String was;
        synchronized (this) {
            was = job;
            if (was == null) {
                LOG.warn("lock={} owner={} outcome=ignored reason=\"release without holding the lock\"", LOCK_ID, owner);
                return;
            }
            job = null;
            stopHeartbeat();
        }
        try {
            if (lease != null && !lease.release()) {
                LOG.warn("lock={} job={} owner={} outcome=not-ours reason=\"the lease expired and was taken over; nothing deleted\"",
                        LOCK_ID, was, owner);
            }
        } catch (MongoException e) {
            LOG.warn("lock={} job={} owner={} outcome=release-failed error=\"{}\" (the lease expires by itself)", LOCK_ID, was, owner, e.getMessage());
        } finally {
            permit.release();
        }
    }

    /** Stops the heartbeat (a lease still held then expires by itself). */
    @Override
    public void close() {
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
    }

    /** Renews the lease now; false when it is not held or no longer ours. The scheduled heartbeat calls this. */
    boolean heartbeat() {
        String j = job;
        if (lease == null || j == null) {
            return false;
        }
        try {
            if (lease.renew()) {
                checkCancel(); // the renewal is also where a cancel request is seen when the watch is slower
                return true;
            }
            if (job == null) {
                return false; // released meanwhile
            }
            LOG.error("lock={} job={} owner={} outcome=lease-lost holder=\"{}\" reason=\"the lease expired before it was renewed and"
                    + " another instance took it over; jobs may overlap\"", LOCK_ID, j, owner, holder());
            synchronized (this) {
                stopHeartbeat();
            }
        } catch (RuntimeException e) {
            LOG.warn("lock={} job={} owner={} outcome=renew-failed error=\"{}\" (retrying in {})", LOCK_ID, j, owner, e.getMessage(), heartbeatEvery);
        }
        return false;
    }

    private String job() {
        return job;
    }

    private synchronized void held(String job) {
        this.job = job;
        this.cancelSignalled = false;
        if (heartbeats != null && !heartbeats.isShutdown()) {
            long every = heartbeatEvery.toMillis();
            heartbeat = heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
            long watch = Math.min(every, CANCEL_POLL.toMillis());
            cancelWatch = heartbeats.scheduleWithFixedDelay(this::checkCancel, watch, watch, TimeUnit.MILLISECONDS);
        }
        LOG.debug("lock={} job={} owner={} outcome=acquired", LOCK_ID, job, owner);
    }

    private void stopHeartbeat() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
            heartbeat = null;
        }
        if (cancelWatch != null) {
            cancelWatch.cancel(false);
            cancelWatch = null;
        }
    }

    private String describe(String localJob) {
        if (localJob == null) {
            return null;
        }
        return lease == null ? localJob : localJob + " (owner " + owner + ")";
    }

    static String defaultOwner() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = null;
            }
        }
        return (host == null || host.isBlank() ? "unknown-host" : host) + ":" + ProcessHandle.current().pid() + ":"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
