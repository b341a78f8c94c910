package org.ipfsbackup.dump;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.ipfsbackup.observe.ProgressReporter;
import org.junit.jupiter.api.Test;

/** mongodump's stderr (as mongo-tools 100.x writes it) summarised into progress lines. */
class MongodumpProgressTest {
    final AtomicLong clock = new AtomicLong();
    final List<String> lines = new ArrayList<>();

    @Test
    void barsAndDoneLinesBecomeDocumentsAndCollectionsDone() throws Exception {
        MongodumpProgress p = new MongodumpProgress(new ProgressReporter("mongodump (dump): documents", ProgressReporter.Unit.COUNT, -1,
                false, 0L, () -> clock.addAndGet(1_000_000_000L), lines::add)); // each reading of the clock: 1 s later
        String stderr = """
                2026-12-02T07:00:00.100+0000	writing shop.customers to /w/dump/shop/customers.bson
                2026-12-02T07:00:00.200+0000	done dumping shop.customers (1 document)
                2026-12-02T07:00:00.300+0000	writing shop.orders to /w/dump/shop/orders.bson
                2026-12-02T07:00:03.300+0000	[########................]  shop.orders  1000/3000  (33.3%)
                2026-12-02T07:00:06.300+0000	[################........]  shop.orders  2000/3000  (66.7%)
                2026-12-02T07:00:07.000+0000	done dumping shop.orders (3000 documents)
                2026-12-02T07:00:07.100+0000	writing captured oplog to /w/dump/oplog.bson
                2026-12-02T07:00:07.200+0000		dumped 5 oplog entries
                """;
        byte[] bytes = stderr.getBytes(StandardCharsets.UTF_8);
        p.write(bytes, 0, 100); // as a pipe delivers it: lines cut anywhere
        p.write(bytes, 100, bytes.length - 100);
        p.finish();
        assertThat(lines).containsExactly(
                "mongodump (dump): documents: 1, 1/s, 1 collection(s) done\n",
                "mongodump (dump): documents: 1001, 501/s, 1 collection(s) done\n",
                "mongodump (dump): documents: 2001, 667/s, 1 collection(s) done\n",
                "mongodump (dump): documents: 3001, 750/s, 2 collection(s) done\n",
                "mongodump (dump): documents: 3001, 600/s, 2 collection(s) done\n");
    }
}
