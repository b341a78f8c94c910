package org.ipfsbackup.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.ipfsbackup.observe.ProgressReporter;
import org.junit.jupiter.api.Test;

/** mongodump's and mongorestore's stderr (as mongo-tools 100.x writes it) summarised into progress lines. */
class ToolProgressTest {
    final AtomicLong clock = new AtomicLong();
    final List<String> lines = new ArrayList<>();

    private ProgressReporter reporter(String what) { // prints at every update; each reading of the clock: 1 s later
        return new ProgressReporter(what, ProgressReporter.Unit.COUNT, -1, false, 0L,
                () -> clock.addAndGet(1_000_000_000L), lines::add);
    }

    private static void feed(ToolProgress p, String stderr) throws java.io.IOException {
        byte[] bytes = stderr.getBytes(StandardCharsets.UTF_8);
        p.write(bytes, 0, 100); // as a pipe delivers it: lines cut anywhere
        p.write(bytes, 100, bytes.length - 100);
        p.finish();
    }

    @Test
    void mongodumpBarsAndDoneLinesBecomeDocumentsAndCollectionsDone() throws Exception {
        ToolProgress p = ToolProgress.mongodump(reporter("mongodump (dump): documents"));
        feed(p, """
                2026-12-02T07:00:00.100+0000	writing shop.customers to /w/dump/shop/customers.bson
                2026-12-02T07:00:00.200+0000	done dumping shop.customers (1 document)
                2026-12-02T07:00:00.300+0000	writing shop.orders to /w/dump/shop/orders.bson
                2026-12-02T07:00:03.300+0000	[########................]  shop.orders  1000/3000  (33.3%)
                2026-12-02T07:00:06.300+0000	[################........]  shop.orders  2000/3000  (66.7%)
                2026-12-02T07:00:07.000+0000	done dumping shop.orders (3000 documents)
                2026-12-02T07:00:07.100+0000	writing captured oplog to /w/dump/oplog.bson
                2026-12-02T07:00:07.200+0000		dumped 5 oplog entries
                """);
        assertThat(lines).containsExactly(
                "mongodump (dump): documents: 1, 1/s, 1 collection(s) done\n",
                "mongodump (dump): documents: 1001, 501/s, 1 collection(s) done\n",
                "mongodump (dump): documents: 2001, 667/s, 1 collection(s) done\n",
                "mongodump (dump): documents: 3001, 750/s, 2 collection(s) done\n",
                "mongodump (dump): documents: 3001, 600/s, 2 collection(s) done\n");
    }

    @Test
    void mongorestoreFinishedLinesBarsAndSummaryBecomeDocumentsRestoredAndCollectionsDone() throws Exception {
        ToolProgress p = ToolProgress.mongorestore(reporter("mongorestore: documents restored"));
        feed(p, """
                2026-12-02T07:10:00.000+0000	preparing collections to restore from
                2026-12-02T07:10:00.010+0000	reading metadata for shop.customers from /w/dump/shop/customers.metadata.json
                2026-12-02T07:10:00.020+0000	reading metadata for shop.orders from /w/dump/shop/orders.metadata.json
                2026-12-02T07:10:00.030+0000	restoring shop.customers from /w/dump/shop/customers.bson
                2026-12-02T07:10:00.040+0000	restoring shop.orders from /w/dump/shop/orders.bson
                2026-12-02T07:10:00.100+0000	finished restoring shop.customers (1 document, 0 failures)
                2026-12-02T07:10:03.000+0000	[#####...................]  shop.orders  1.20MB/5.00MB  (24.0%)
                2026-12-02T07:10:06.000+0000	[#####################...]  shop.orders  4.40MB/5.00MB  (88.0%)
                2026-12-02T07:10:06.900+0000	[########################]  shop.orders  5.00MB/5.00MB  (100.0%)
                2026-12-02T07:10:06.900+0000	finished restoring shop.orders (3000 documents, 0 failures)
                2026-12-02T07:10:06.950+0000	no indexes to restore for collection shop.customers
                2026-12-02T07:10:07.000+0000	3001 document(s) restored successfully. 0 document(s) failed to restore.
                """);
        assertThat(lines).containsExactly(
                "mongorestore: documents restored: 1, 1/s, 1 collection(s) done\n",
                "mongorestore: documents restored: 1, 1/s, 1 collection(s) done, shop.orders 1.20MB/5.00MB (24.0%)\n",
                "mongorestore: documents restored: 1, 0/s, 1 collection(s) done, shop.orders 4.40MB/5.00MB (88.0%)\n",
                "mongorestore: documents restored: 1, 0/s, 1 collection(s) done, shop.orders 5.00MB/5.00MB (100.0%)\n",
                "mongorestore: documents restored: 3001, 600/s, 2 collection(s) done\n",
                "mongorestore: documents restored: 3001, 500/s, 2 collection(s) done\n",
                "mongorestore: documents restored: 3001, 429/s, 2 collection(s) done\n");
    }

    @Test
    void mongorestoreFailuresAndOplogEntriesAreShownAndTheSummaryIsWhatCounts() throws Exception {
        ToolProgress p = ToolProgress.mongorestore(reporter("mongorestore: documents restored"));
        feed(p, """
                2026-12-02T07:20:00.000+0000	restoring shop.orders from /w/dump/shop/orders.bson
                2026-12-02T07:20:00.500+0000	continuing through error: E11000 duplicate key error collection: shop.orders index: _id_ dup key: { _id: 7 }
                2026-12-02T07:20:00.900+0000	finished restoring shop.orders (2999 documents, 1 failure)
                2026-12-02T07:20:00.950+0000	replaying oplog
                2026-12-02T07:20:00.990+0000	[########################]  oplog  1.00KB/1.00KB  (100.0%)
                2026-12-02T07:20:00.995+0000	applied 12 oplog entries
                2026-12-02T07:20:01.000+0000	2999 document(s) restored successfully. 1 document(s) failed to restore.""");
        // no newline after the summary: finish() still reads it
        assertThat(lines.get(lines.size() - 1)).isEqualTo(
                "mongorestore: documents restored: 2999, 600/s, 1 collection(s) done, 1 failure(s), 12 oplog entries applied\n");
    }
}
