package org.ipfsbackup.camel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.DefaultExchange;
import org.awaitility.Awaitility;
import org.ipfsbackup.job.BackupLock;
import org.ipfsbackup.job.JobGuard;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.mongo.ChildProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cancel stops the tools of the job running when it was asked (up to 2 s for them to end), then interrupts that
 * job's thread. The job may end within those 2 s and the next one start: the interrupt must not reach the next job,
 * whether it runs on another thread (as the next {@code runBackup} of a test does) or on the same one (a pooled or
 * scheduler thread). Before, it did: the next job's mongodump wait was interrupted and it "exited" with commons-exec's
 * 0xDEADBEEF ~2 s in.
 */
class JobBindingCancelTest {
    @TempDir
    Path root;
    CamelContext ctx;
    JobBinding jobs;
    Process stubborn;

    @BeforeEach
    void setUp() throws Exception {
        ctx = new DefaultCamelContext();
        jobs = new JobBinding(new JobGuard(new BackupLock(), new WorkDirectories(root), Clock.systemUTC()), Duration.ZERO, "gzip");
        // a tool that ignores SIGTERM: the cancel waits its whole grace (2 s) before SIGKILL, as it may for mongodump
        stubborn = new ProcessBuilder("sh", "-c", "trap '' TERM; exec sleep 60").start();
        ChildProcesses.TOOLS.add(stubborn);
    }

    @AfterEach
    void tearDown() throws Exception {
        Thread.interrupted(); // whatever a failed test left on the test thread (JUnit runs the next test on it)
        ChildProcesses.TOOLS.remove(stubborn);
        stubborn.destroyForcibly();
        ctx.close();
    }

    /** Starts a job on the calling thread. */
    private Exchange startJob(String name) {
        Exchange e = new DefaultExchange(ctx);
        assertThat(jobs.start(e, "full", t -> name, "skipped")).as("job %s started", name).isTrue();
        return e;
    }

    /** What a job's end does: its clean-up (lock released), then its exchange is done. */
    private void endJob(Exchange e) {
        jobs.cleanup(e);
        for (Synchronization s : e.getExchangeExtension().handoverCompletions()) {
            s.onComplete(e);
        }
    }

    /** Cancels on a thread of its own; returns once the cancel waits in the tools' grace. */
    private Thread cancelInBackground(AtomicBoolean result) {
        Thread canceller = new Thread(() -> result.set(jobs.cancel("test cancel")), "canceller");
        canceller.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> canceller.getState() == Thread.State.TIMED_WAITING);
        return canceller;
    }

    @Test
    void theNextJobOnAnotherThreadIsNotInterruptedByTheCancelOfTheOneBefore() throws Exception {
        Exchange first = startJob("first");
        AtomicBoolean cancelled = new AtomicBoolean();
        Thread canceller = cancelInBackground(cancelled);
        endJob(first); // the cancelled job ended while the cancel still waits for the tools

        BlockingQueue<String> go = new ArrayBlockingQueue<>(1);
        AtomicReference<String> seen = new AtomicReference<>();
        Thread next = new Thread(() -> {
            Exchange second = startJob("second");
            try {
                // stands for the next job's mongodump wait (Process.waitFor, interruptible like this)
                seen.set(go.poll(30, TimeUnit.SECONDS) != null ? "ran to its end" : "timed out");
            } catch (InterruptedException e) {
                seen.set("interrupted");
            }
            endJob(second);
        }, "next-job");
        next.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> next.getState() == Thread.State.TIMED_WAITING);
        assertThat(canceller.isAlive()).as("the next job started within the cancel's grace").isTrue();

        canceller.join(10_000);
        assertThat(cancelled).as("a job was running when the cancel came").isTrue();
        go.put("go");
        next.join(10_000);
        assertThat(seen.get()).isEqualTo("ran to its end");
    }

    @Test
    void theNextJobOnTheSameThreadIsNotInterruptedEither() throws Exception {
        Exchange first = startJob("first");
        AtomicBoolean cancelled = new AtomicBoolean();
        Thread canceller = cancelInBackground(cancelled);
        endJob(first);
        Exchange second = startJob("second");
        assertThat(canceller.isAlive()).as("the next job started within the cancel's grace").isTrue();
        canceller.join(10_000);
        assertThat(Thread.interrupted()).as("the thread of the next job is not interrupted").isFalse();
        endJob(second);
    }

    @Test
    void theCancelledJobItselfIsInterruptedAndItsThreadIsCleanForTheNextJob() throws Exception {
        Exchange first = startJob("first");
        AtomicBoolean cancelled = new AtomicBoolean();
        Thread canceller = cancelInBackground(cancelled);
        boolean interrupted = false;
        try {
            canceller.join(10_000); // stands for the job's wait: it still runs when the grace ends
        } catch (InterruptedException e) {
            interrupted = true;
        }
        canceller.join(10_000);
        // (the interrupt and the canceller's end may reach join() together: then it returns with the status set)
        interrupted |= Thread.interrupted();
        assertThat(interrupted).as("the cancelled job's thread is interrupted").isTrue();
        assertThat(cancelled).isTrue();
        jobs.cleanup(first); // its failure handler
        // the race the grace allows: the interrupt lands after the failure handler cleared the thread's status
        Thread.currentThread().interrupt();
        for (Synchronization s : first.getExchangeExtension().handoverCompletions()) {
            s.onComplete(first);
        }
        assertThat(Thread.interrupted()).as("no interrupt left on the thread for the next job").isFalse();
    }
}
