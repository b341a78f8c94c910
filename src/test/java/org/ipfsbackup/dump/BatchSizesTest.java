package org.ipfsbackup.dump;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoInternalException;
import com.mongodb.MongoTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class BatchSizesTest {

    @Test
    void aBatchWeighsAbout16MiBByTheAverageDocument() {
        assertThat(BatchSizes.forAverage(16 * 1024 * 1024 - 1)).isEqualTo(1);
        assertThat(BatchSizes.forAverage(22_393_856)).as("FerretDB's storage-based average of 16 MiB documents").isEqualTo(1);
        assertThat(BatchSizes.forAverage(1024 * 1024)).isEqualTo(16);
        assertThat(BatchSizes.forAverage(1658)).isEqualTo(10_118);
        assertThat(BatchSizes.forAverage(10)).isEqualTo(BatchSizes.MAX_BATCH);
        assertThat(BatchSizes.forAverage(-1)).as("unknown: the server's default").isEqualTo(101);
        assertThat(BatchSizes.forAverage(0)).isEqualTo(101);
    }

    @Test
    void aRefusedReplyGivesTheBatchThatAlwaysFitsAtOnce() {
        // the case: 101 documents of 1 MB in the first batch
        MongoInternalException refused = new MongoInternalException(
                "The reply message length 101005040 is greater than the maximum message length 48000000");
        assertThat(BatchSizes.afterOverflow(101, refused)).hasValue(2);
        // wrapped, as the engines see it
        assertThat(BatchSizes.afterOverflow(101, new IllegalStateException("x", refused))).hasValue(2);
        assertThat(BatchSizes.afterOverflow(100_000, refused, 16 * 1024 * 1024)).hasValue(2);
        assertThat(BatchSizes.afterOverflow(3, refused)).hasValue(2);
        // below what always fits (a server that lied about its limits): one less, down to 1, then no more
        assertThat(BatchSizes.afterOverflow(2, refused)).hasValue(1);
        assertThat(BatchSizes.afterOverflow(1, refused)).isEmpty();
        // a server with smaller documents: more of them always fit
        assertThat(BatchSizes.afterOverflow(101, refused, 1024 * 1024)).hasValue(45);
    }

    @Test
    void twoOfTheLargestOplogEntriesFitInAReplyThreeDoNot() {
        long largestEntry = 16L * 1024 * 1024 + BatchSizes.INTERNAL_DOCUMENT_SLACK;
        int n = BatchSizes.alwaysFits(16 * 1024 * 1024, 48_000_000);
        assertThat(n).isEqualTo(2);
        assertThat(n * largestEntry + BatchSizes.REPLY_OVERHEAD).isLessThanOrEqualTo(48_000_000);
        assertThat((n + 1) * largestEntry).isGreaterThan(48_000_000);
        assertThat(BatchSizes.alwaysFits(64L * 1024 * 1024, 48_000_000)).as("never below 1").isEqualTo(1);
    }

    /**
     * The stack test's collection: 1000 small documents with 3 of 16 MiB - 1 byte in the middle, read from a server
     * that answers every batch whole (FerretDB) and a driver that refuses replies over 48 MB. Reading from the start
     * with each refusal's new size, the collection is read twice: the first read, refused, and one that ends.
     */
    @Test
    void aCollectionIsReadAgainOnceOnly() {
        List<Long> sizes = new ArrayList<>();
        for (int i = 0; i < 1003; i++) {
            sizes.add(i >= 500 && i < 503 ? 16L * 1024 * 1024 - 1 : 40L);
        }
        long average = sizes.stream().mapToLong(Long::longValue).sum() / sizes.size();
        int batch = BatchSizes.forAverage(average);
        assertThat(batch).as("the first batch size by the average").isGreaterThan(200);
        int reads = 0;
        long documentsRead = 0;
        while (true) {
            reads++;
            OptionalInt refusedAfter = firstRefusal(sizes, batch);
            if (refusedAfter.isEmpty()) {
                documentsRead += sizes.size();
                break;
            }
            documentsRead += refusedAfter.getAsInt();
            long reply = 1000 + sizes.subList(refusedAfter.getAsInt(), Math.min(sizes.size(), refusedAfter.getAsInt() + batch))
                    .stream().mapToLong(Long::longValue).sum();
            batch = BatchSizes.afterOverflow(batch, new MongoInternalException("The reply message length " + reply
                    + " is greater than the maximum message length 48000000")).orElseThrow();
        }
        assertThat(reads).isEqualTo(2);
        assertThat(batch).isEqualTo(2);
        assertThat(documentsRead).isLessThan(2L * sizes.size());
    }

    /** Where reading {@code sizes} in batches of {@code batch} is refused (documents before it), if it is. */
    private static OptionalInt firstRefusal(List<Long> sizes, int batch) {
        for (int from = 0; from < sizes.size(); from += batch) {
            long reply = 1000 + sizes.subList(from, Math.min(sizes.size(), from + batch)).stream().mapToLong(Long::longValue).sum();
            if (reply > 48_000_000) {
                return OptionalInt.of(from);
            }
        }
        return OptionalInt.empty();
    }

    @Test
    void otherFailuresAreNotRetried() {
        assertThat(BatchSizes.afterOverflow(101, new MongoTimeoutException("timed out"))).isEmpty();
        assertThat(BatchSizes.afterOverflow(101, new MongoInternalException("Unexpected reply"))).isEmpty();
    }
}
