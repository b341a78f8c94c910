package org.ipfsbackup.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One backup as recorded in the manifest. Written only after the backup is verified pinned, so an entry with
 * status {@code complete} always names content that existed on every allocated peer at that time.
 *
 * @param type {@code full} or {@code incremental}
 * @param size bytes of the encrypted file as uploaded
 * @param sha256 hex sha256 of the encrypted file as uploaded
 * @param peers cluster peer ids that reported the CID pinned
 * @param keyId id of the master key {@code wrappedKey} is wrapped under (the key that encrypted the backup, until
 *     {@code rekey} re-wraps its data key under a newer one)
 * @param wrappedKey the backup's data key wrapped under master key {@code keyId}
 * @param deleteReason why an entry of status {@code deleted} was deleted ({@code delete} command); null otherwise
 *     ({@link org.ipfsbackup.crypto.WrappedKey#encode()}); null for backups written before format version 2
 * @param contentDigests a full backup's collections at dump time: documents and order-independent digest each (what
 *     a restore drill compares with); empty for incrementals and for backups written before drills existed
 * @param lastDrillAt when the last restore drill of this backup's chain ran; null if none
 * @param drill its outcome: {@code pass}, or {@code fail: } and what differed
 * @param drillMs its restore duration in milliseconds (the measured RTO)
 * @param slice {@code true} for an incremental taken by the oplog slice schedule (PITR_SLICES_ENABLED): an incremental
 *     of its chain like any other (same format, chain links and rules), marked only so list and status can tell it
 *     apart; null (not written) otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ManifestEntry(String type, String cid, Instant timestamp, long size, boolean encrypted, List<String> databases,
                            String mongodbVersion, String replicaSet, String sha256, String fileName, long durationMs,
                            List<String> peers, String status, String engine, String compression, String keyId,
                            Integer collections, Long documents, Long contentBytes,
                            String oplogStart, String oplogEnd, Long oplogOperations, String baseBackup, String previous,
                            Instant deletedAt, Instant lastVerifiedAt, String verification, String wrappedKey, String deleteReason,
                            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<org.ipfsbackup.drill.CollectionDigest> contentDigests, Instant lastDrillAt, String drill, Long drillMs,
                            Boolean slice) {

    public static final String COMPLETE = "complete";
    public static final String DELETED = "deleted";
    public static final String FULL = "full";
    public static final String INCREMENTAL = "incremental";
    /** Not a type of entry (a slice is an {@value #INCREMENTAL} with {@code slice} set): the name status and list show. */
    public static final String SLICE = "slice";

    public ManifestEntry {
        databases = databases == null ? List.of() : List.copyOf(databases);
        peers = peers == null ? List.of() : List.copyOf(peers);
        contentDigests = contentDigests == null ? List.of() : List.copyOf(contentDigests);
    }

    /** A full backup's entry: complete, encrypted, everything else set on the builder. */
    public static Builder full(String cid, Instant timestamp) {
        return builder(FULL, cid, timestamp);
    }

    /** An incremental's entry, continuing the chain of full backup {@code baseBackup} after backup {@code previous}. */
    public static Builder incremental(String cid, Instant timestamp, String baseBackup, String previous) {
        return builder(INCREMENTAL, cid, timestamp).chain(baseBackup, previous);
    }

    /** An entry of the given {@code type} ({@value #FULL} or {@value #INCREMENTAL}). */
    public static Builder builder(String type, String cid, Instant timestamp) {
        Builder b = new Builder();
        b.type = type;
        b.cid = cid;
        b.timestamp = timestamp;
        return b;
    }

    /** A builder holding this entry's values (to change some of them). */
    public Builder toBuilder() {
        return builder(type, cid, timestamp).file(fileName, size, sha256).encrypted(encrypted).databases(databases)
                .source(mongodbVersion, replicaSet).durationMs(durationMs).peers(peers).status(status).engine(engine)
                .compression(compression).key(keyId, wrappedKey).content(collections, documents, contentBytes)
                .oplog(oplogStart, oplogEnd, oplogOperations).chain(baseBackup, previous).deletedAt(deletedAt).deleteReason(deleteReason)
                .verified(lastVerifiedAt, verification).contentDigests(contentDigests).drilled(lastDrillAt, drill, drillMs)
                .slice(Boolean.TRUE.equals(slice));
    }

    /**
     * The wrapped data key, parsed; null when the entry has none (an old-format backup) or it is malformed: decryption
     * then uses the key in the file's header, which is authenticated with the file.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public org.ipfsbackup.crypto.WrappedKey dataKey() {
        try {
            return wrappedKey == null ? null : org.ipfsbackup.crypto.WrappedKey.parse(wrappedKey);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isFull() {
        return FULL.equals(type);
    }

    /** An incremental taken by the oplog slice schedule (see {@code slice}). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isSliceEntry() {
        return Boolean.TRUE.equals(slice);
    }

    /** Builds an entry; unset values stay null (numbers 0), status {@value #COMPLETE}, encrypted. */
    public static final class Builder {
        private String type;
        private String cid;
        private Instant timestamp;
        private long size;
        private boolean encrypted = true;
        private List<String> databases;
        private String mongodbVersion;
        private String replicaSet;
        private String sha256;
        private String fileName;
        private long durationMs;
        private List<String> peers;
        private String status = COMPLETE;
        private String engine;
        private String compression;
        private String keyId;
        private Integer collections;
        private Long documents;
        private Long contentBytes;
        private String oplogStart;
        private String oplogEnd;
        private Long oplogOperations;
        private String baseBackup;
        private String previous;
        private Instant deletedAt;
        private Instant lastVerifiedAt;
        private String verification;
        private String wrappedKey;
        private String deleteReason;
        private List<org.ipfsbackup.drill.CollectionDigest> contentDigests;
        private Instant lastDrillAt;
        private String drill;
        private Long drillMs;
        private Boolean slice;

        private Builder() {
        }

        /** The encrypted file as uploaded: its name, bytes and hex sha256. */
        public Builder file(String name, long bytes, String hexSha256) {
            this.fileName = name;
            this.size = bytes;
            this.sha256 = hexSha256;
            return this;
        }

        public Builder encrypted(boolean value) {
            this.encrypted = value;
            return this;
        }

        public Builder databases(List<String> value) {
            this.databases = value;
            return this;
        }

        /** The replica set backed up and its MongoDB version. */
        public Builder source(String version, String replicaSetName) {
            this.mongodbVersion = version;
            this.replicaSet = replicaSetName;
            return this;
        }

        public Builder durationMs(long value) {
            this.durationMs = value;
            return this;
        }

        public Builder peers(List<String> value) {
            this.peers = value;
            return this;
        }

        public Builder status(String value) {
            this.status = value;
            return this;
        }

        public Builder engine(String value) {
            this.engine = value;
            return this;
        }

        public Builder compression(String value) {
            this.compression = value;
            return this;
        }

        /** The master key id and the data key wrapped under it (null for format version 1 backups). */
        public Builder key(String id, String wrapped) {
            this.keyId = id;
            this.wrappedKey = wrapped;
            return this;
        }

        /** What the dump held: collections, documents, bytes before compression. */
        public Builder content(Integer collectionCount, Long documentCount, Long bytes) {
            this.collections = collectionCount;
            this.documents = documentCount;
            this.contentBytes = bytes;
            return this;
        }

        /** The oplog window covered (positions as {@code seconds:increment}). */
        public Builder oplog(String start, String end, Long operations) {
            this.oplogStart = start;
            this.oplogEnd = end;
            this.oplogOperations = operations;
            return this;
        }

        /** The chain an incremental continues: its full backup and the backup before it. */
        public Builder chain(String base, String previousBackup) {
            this.baseBackup = base;
            this.previous = previousBackup;
            return this;
        }

        /** Unpinned by retention at {@code at} (status {@value #DELETED}). */
        public Builder deleted(Instant at) {
            this.status = DELETED;
            this.deletedAt = at;
            return this;
        }

        public Builder deleteReason(String why) {
            this.deleteReason = why;
            return this;
        }

        public Builder deletedAt(Instant at) {
            this.deletedAt = at;
            return this;
        }

        /** The outcome of the last scheduled verification. */
        public Builder verified(Instant at, String outcome) {
            this.lastVerifiedAt = at;
            this.verification = outcome;
            return this;
        }

        /** Per collection at dump time: documents and digest (what a restore drill compares with). */
        public Builder contentDigests(List<org.ipfsbackup.drill.CollectionDigest> value) {
            this.contentDigests = value;
            return this;
        }

        /** The outcome of the last restore drill: when, pass or fail with what differed, restore milliseconds. */
        public Builder drilled(Instant at, String outcome, Long ms) {
            this.lastDrillAt = at;
            this.drill = outcome;
            this.drillMs = ms;
            return this;
        }

        /** Marks an incremental taken by the oplog slice schedule (false: no marker written). */
        public Builder slice(boolean value) {
            this.slice = value ? Boolean.TRUE : null;
            return this;
        }

        public ManifestEntry build() {
            return new ManifestEntry(type, cid, timestamp, size, encrypted, databases, mongodbVersion, replicaSet, sha256, fileName,
                    durationMs, peers, status, engine, compression, keyId, collections, documents, contentBytes, oplogStart, oplogEnd,
                    oplogOperations, baseBackup, previous, deletedAt, lastVerifiedAt, verification, wrappedKey, deleteReason,
                    contentDigests, lastDrillAt, drill, drillMs, slice);
        }
    }
}
