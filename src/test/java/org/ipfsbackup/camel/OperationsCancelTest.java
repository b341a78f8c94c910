package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ipfsbackup.job.BackupLock;
import org.junit.jupiter.api.Test;

/** The JMX cancel operation asks the lock's holder, as {@code ipfs-backup cancel} does (no Camel needed). */
class OperationsCancelTest {
    @Test
    void cancelRunningJobAsksTheHolderOrSaysNothingRuns() {
        Operations ops = new Operations(null);
        assertThat(ops.cancelRunningJob()).startsWith("not available");
        BackupLock lock = new BackupLock();
        List<String> told = new CopyOnWriteArrayList<>();
        lock.onCancelRequested(told::add);
        ops.useLock(lock);
        assertThat(ops.cancelRunningJob()).isEqualTo("no job is running: nothing to cancel");
        assertThat(told).isEmpty();
        assertThat(lock.tryAcquire("full")).isTrue();
        assertThat(ops.cancelRunningJob()).startsWith("cancel requested for full");
        assertThat(told).singleElement().asString().contains("cancel requested over JMX");
        lock.release();
    }
}
