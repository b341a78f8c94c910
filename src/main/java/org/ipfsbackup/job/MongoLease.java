package org.ipfsbackup.job;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.ReadPreference;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease document shared by every instance on the same MongoDB: {@code {_id, owner, job, acquiredAt, expiresAt,
 * heartbeatAt}}. Taking it: insert it (nobody holds it), or take over the existing one where it expired or is ours;
 * when another instance holds it, neither matches.
 * Expiry is decided with the injected clock of the instance that asks.
 */
final class MongoLease {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.lock");
    static final String OWNER = "owner", JOB = "job", ACQUIRED_AT = "acquiredAt", EXPIRES_AT = "expiresAt", HEARTBEAT_AT = "heartbeatAt";
    /** Set by {@code ipfs-backup cancel} (any process): {@code {at, by, reason}}; the holder stops its job when it sees it. */
    static final String CANCEL_REQUESTED = "cancelRequested";

    private final MongoCollection<Document> locks;
    private final String id;
    private final String owner;
    private final Clock clock;
    private final Duration lease;

    MongoLease(MongoCollection<Document> locks, String id, String owner, Clock clock, Duration lease) {
        this.locks = locks.withWriteConcern(WriteConcern.MAJORITY).withReadPreference(ReadPreference.primary());
        this.id = id;
        this.owner = owner;
        this.clock = clock;
        this.lease = lease;
    }

    String owner() {
        return owner;
    }

    Duration lease() {
        return lease;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * Takes the lease for {@code job} if it is free, expired or already ours; false when another instance holds it.
     * Two steps, each atomic: insert the lease document (free: nobody has one), else take over the existing one only
     * where it has expired or is ours. (A single upsert with {@code $or} in the filter would be one step, but
     * FerretDB 1.24 then inserts the document under a generated {@code _id}, so two instances could both "win".)
     */
    boolean tryTake(String job) {
        Instant now = now();
        Document fresh = new Document("_id", id).append(OWNER, owner).append(JOB, job).append(ACQUIRED_AT, Date.from(now))
                .append(EXPIRES_AT, Date.from(now.plus(lease))).append(HEARTBEAT_AT, Date.from(now));
        try {
            locks.insertOne(fresh);
            return true;
        } catch (MongoException e) {
            if (!isDuplicateKey(e)) {
                throw e;
            }
        }
        Bson filter = Filters.and(Filters.eq("_id", id),
                Filters.or(Filters.lt(EXPIRES_AT, Date.from(now)), Filters.eq(OWNER, owner)));
        Bson update = Updates.combine(Updates.set(OWNER, owner), Updates.set(JOB, job),
                Updates.set(ACQUIRED_AT, Date.from(now)), Updates.set(EXPIRES_AT, Date.from(now.plus(lease))),
                Updates.set(HEARTBEAT_AT, Date.from(now)), Updates.unset(CANCEL_REQUESTED)); // a request was for the job before
        Document before = locks.findOneAndUpdate(filter, update, new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE));
        if (before == null) {
            return false; // held by another instance whose lease has not expired
        }
        if (!owner.equals(before.getString(OWNER))) {
            LeaseHolder previous = holder(before);
            LOG.warn("lock={} outcome=taken-over job={} owner={} previousOwner={} previousJob={} previousHeartbeatAt={} previousExpiresAt={}"
                            + " reason=\"the previous owner stopped renewing its lease (died or lost MongoDB)\"",
                    id, job, owner, previous.owner(), previous.job(), previous.heartbeatAt(), previous.expiresAt());
        }
        return true;
    }

    /** Extends our lease; false when it is no longer ours (it expired and another instance took it over). */
    boolean renew() {
        Instant now = now();
        long matched = locks.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq(OWNER, owner)),
                Updates.combine(Updates.set(EXPIRES_AT, Date.from(now.plus(lease))), Updates.set(HEARTBEAT_AT, Date.from(now))))
                .getMatchedCount();
        return matched > 0;
    }

    /** Deletes the lease if it is ours; false (and nothing deleted) otherwise. */
    boolean release() {
        return locks.deleteOne(Filters.and(Filters.eq("_id", id), Filters.eq(OWNER, owner))).getDeletedCount() > 0;
    }

    /**
     * Asks the holder of a live (not expired) lease to cancel its job: sets {@link #CANCEL_REQUESTED} on the lease
     * document, which the holder reads while it runs. @return the holder asked; empty when no job holds a live lease
     */
    Optional<LeaseHolder> requestCancel(String by, String reason) {
        Instant now = now();
        Document after = locks.findOneAndUpdate(Filters.and(Filters.eq("_id", id), Filters.gte(EXPIRES_AT, Date.from(now))),
                Updates.set(CANCEL_REQUESTED, new Document("at", Date.from(now)).append("by", by).append("reason", reason)),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
        return Optional.ofNullable(after).map(MongoLease::holder);
    }

    /** The cancel request on our lease, in words ({@code reason (by who, at)}); empty when there is none or the lease is not ours. */
    Optional<String> cancelRequest() {
        Document d = locks.find(Filters.and(Filters.eq("_id", id), Filters.eq(OWNER, owner))).first();
        Document c = d == null ? null : d.get(CANCEL_REQUESTED, Document.class);
        if (c == null) {
            return Optional.empty();
        }
        Date at = c.getDate("at");
        return Optional.of(c.getString("reason") + " (by " + c.getString("by") + (at == null ? "" : ", at " + at.toInstant()) + ")");
    }

    /** The lease document as it is now (expired or not); empty when nobody holds it. */
    Optional<LeaseHolder> read() {
        return Optional.ofNullable(locks.find(Filters.eq("_id", id)).first()).map(MongoLease::holder);
    }

    boolean expired(LeaseHolder h) {
        return h.expiresAt() == null || h.expiresAt().isBefore(now());
    }

    private static LeaseHolder holder(Document d) {
        return new LeaseHolder(d.getString(JOB), d.getString(OWNER), instant(d, ACQUIRED_AT), instant(d, EXPIRES_AT), instant(d, HEARTBEAT_AT));
    }

    private static Instant instant(Document d, String field) {
        Date date = d.getDate(field);
        return date == null ? null : date.toInstant();
    }

    static boolean isDuplicateKey(MongoException e) {
        return e.getCode() == 11000 || ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY
                || (e.getMessage() != null && e.getMessage().contains("E11000"));
    }
}
