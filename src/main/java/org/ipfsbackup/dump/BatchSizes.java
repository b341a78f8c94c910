package org.ipfsbackup.dump;

import com.mongodb.MongoException;
import com.mongodb.MongoInternalException;
import com.mongodb.client.MongoDatabase;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Batch sizes for reading whole collections, so that no server reply exceeds the driver's maximum message length
 * (48 MB). MongoDB ends a batch at 16 MiB by itself; FerretDB (1.x) does not, and returns a first batch of 101
 * documents, or whatever {@code batchSize} asks for, whatever their size: 101 documents of 1 MiB are a reply the
 * driver refuses ("The reply message length ... is greater than the maximum message length ..."), and the cursor is
 * lost with it. So a read asks for batches of about {@value #TARGET_BATCH_BYTES} bytes by the collection's average
 * document size, and after a refused reply the caller reads again with {@link #afterOverflow the size that always
 * fits} (2 documents of 16 MiB in 48 MB), so that a read is refused at most once.
 */
public final class BatchSizes {

    /** What a batch should weigh by the average document size: MongoDB's own cap, a third of the reply limit. */
    static final long TARGET_BATCH_BYTES = 16L * 1024 * 1024;
    /** The server's default first batch, used when the average document size is unknown. */
    static final int UNKNOWN_AVERAGE = 101;
    static final int MAX_BATCH = 100_000;
    /** MongoDB's (and FerretDB's) {@code maxBsonObjectSize}, for callers that do not ask the server. */
    public static final int DEFAULT_MAX_DOCUMENT_SIZE = 16 * 1024 * 1024;
    /** How much larger than {@code maxBsonObjectSize} a document the server makes itself may be (an oplog entry). */
    static final int INTERNAL_DOCUMENT_SLACK = 16 * 1024;
    /** A reply's header, cursor id, namespace and field names, generously. */
    static final int REPLY_OVERHEAD = 64 * 1024;

    private static final Pattern OVERFLOW = Pattern.compile(
            "reply message length (\\d+) is greater than the maximum message length (\\d+)");

    private BatchSizes() {
    }

    /** Batch size for documents of {@code averageBytes} on average ({@code <= 0}: unknown). */
    public static int forAverage(long averageBytes) {
        if (averageBytes <= 0) {
            return UNKNOWN_AVERAGE;
        }
        return (int) Math.max(1, Math.min(MAX_BATCH, TARGET_BATCH_BYTES / averageBytes));
    }

    /** The batch size for collection {@code name} of {@code db} from its {@code collStats} average document size. */
    public static int forCollection(MongoDatabase db, String name) {
        return forAverage(averageDocumentSize(db, name));
    }

    /**
     * {@code collStats.avgObjSize} of the collection (FerretDB counts storage, so it overestimates: smaller batches),
     * or -1 when the server does not say (an empty collection, no {@code collStats} command, no privilege for it).
     */
    static long averageDocumentSize(MongoDatabase db, String name) {
        try {
            // where the data is read from (the dump's read preference): a dump from a secondary needs no primary
            BsonDocument reply = db.runCommand(new BsonDocument("collStats", new BsonString(name)), db.getReadPreference(),
                    BsonDocument.class);
            BsonValue avg = reply.get("avgObjSize");
            return avg != null && avg.isNumber() ? avg.asNumber().longValue() : -1;
        } catch (MongoException e) {
            return -1;
        }
    }

    /**
     * The batch size to read again with after a reply of a batch of {@code batchSize} documents was refused as too
     * long, for documents of at most {@value #DEFAULT_MAX_DOCUMENT_SIZE} bytes; see
     * {@link #afterOverflow(int, Throwable, int)}.
     */
    public static OptionalInt afterOverflow(int batchSize, Throwable e) {
        return afterOverflow(batchSize, e, DEFAULT_MAX_DOCUMENT_SIZE);
    }

    /**
     * The batch size to read again with after a reply of a batch of {@code batchSize} documents was refused as too
     * long, or empty when {@code e} is not that refusal or the batch cannot get smaller: straight away the
     * {@link #alwaysFits largest batch that always fits} documents of up to {@code maxDocumentSize} bytes (the
     * server's {@code maxBsonObjectSize}) in the refused reply's maximum length, so that a read started again at
     * that size is refused no more; below that, one less.
     */
    public static OptionalInt afterOverflow(int batchSize, Throwable e, int maxDocumentSize) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MongoInternalException && t.getMessage() != null) {
                Matcher m = OVERFLOW.matcher(t.getMessage());
                if (m.find()) {
                    return smaller(batchSize, alwaysFits(maxDocumentSize, Long.parseLong(m.group(2))));
                }
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The largest batch of which every reply fits in {@code maxMessageLength} bytes whatever the documents: each
     * is at most {@code maxDocumentSize} plus {@value #INTERNAL_DOCUMENT_SLACK} bytes (an oplog entry around a
     * largest document), and the reply's header and cursor fields take {@value #REPLY_OVERHEAD}; at least 1.
     */
    static int alwaysFits(long maxDocumentSize, long maxMessageLength) {
        long perDocument = Math.max(1, maxDocumentSize) + INTERNAL_DOCUMENT_SLACK;
        return (int) Math.max(1, Math.min(MAX_BATCH, (maxMessageLength - REPLY_OVERHEAD) / perDocument));
    }

    static OptionalInt smaller(int batchSize, int alwaysFits) {
        if (batchSize <= 1) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Math.min(batchSize - 1, alwaysFits));
    }
}
