package org.ipfsbackup.dump;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoInternalException;
import com.mongodb.MongoTimeoutException;
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
    void aRefusedReplyGivesASmallerBatchThatEndsAtOneThatAlwaysFits() {
        // the case: 101 documents of 1 MB in the first batch
        MongoInternalException refused = new MongoInternalException(
                "The reply message length 101005040 is greater than the maximum message length 48000000");
        assertThat(BatchSizes.afterOverflow(101, refused)).hasValue(23);
        // wrapped, as the engines see it
        assertThat(BatchSizes.afterOverflow(101, new IllegalStateException("x", refused))).hasValue(23);
        // a few huge documents among small ones: the size halves at least, down to 2 (2 x 16 MiB < 48 MB)
        assertThat(BatchSizes.smaller(335, 50_400_000, 48_000_000)).hasValue(159);
        assertThat(BatchSizes.smaller(5, 50_400_000, 48_000_000)).hasValue(2);
        assertThat(BatchSizes.smaller(3, 50_400_000, 48_000_000)).hasValue(2);
        assertThat(BatchSizes.smaller(2, 50_400_000, 48_000_000)).hasValue(1);
        assertThat(BatchSizes.smaller(1, 50_400_000, 48_000_000)).isEmpty();
        int b = 100_000;
        int rounds = 0;
        for (OptionalInt next = BatchSizes.smaller(b, 49_000_000, 48_000_000); next.isPresent() && next.getAsInt() >= 2;
             next = BatchSizes.smaller(b, 49_000_000, 48_000_000)) {
            b = next.getAsInt();
            rounds++;
        }
        assertThat(b).isEqualTo(2);
        assertThat(rounds).isLessThanOrEqualTo(17);
    }

    @Test
    void otherFailuresAreNotRetried() {
        assertThat(BatchSizes.afterOverflow(101, new MongoTimeoutException("timed out"))).isEmpty();
        assertThat(BatchSizes.afterOverflow(101, new MongoInternalException("Unexpected reply"))).isEmpty();
    }
}
