package org.ipfsbackup.mongo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.exec.ProcessDestroyer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tool processes (mongodump, mongorestore) this JVM runs now, as commons-exec reports them while it runs them
 * ({@link ProcessDestroyer}), so a shutdown can stop them with everything they started ({@link #stopAll}).
 */
public final class ChildProcesses implements ProcessDestroyer {
    private static final Logger LOG = LoggerFactory.getLogger(ChildProcesses.class);

    /** The one registry {@link MongoToolRunner} reports to. */
    public static final ChildProcesses TOOLS = new ChildProcesses();

    private final Set<Process> processes = ConcurrentHashMap.newKeySet();

    @Override
    public boolean add(Process process) {
        return processes.add(process);
    }

    @Override
    public boolean remove(Process process) {
        return processes.remove(process);
    }

    @Override
    public int size() {
        return processes.size();
    }

    /**
     * Stops every process running now and all its descendants: SIGTERM first (descendants are listed before, since
     * they are re-parented once their parent is gone), then SIGKILL for what still runs after {@code grace}.
     *
     * @return how many processes were asked to stop
     */
    public int stopAll(Duration grace) {
        List<ProcessHandle> tree = new ArrayList<>();
        for (Process p : processes) {
            ProcessHandle h = p.toHandle();
            h.descendants().forEach(tree::add);
            tree.add(h);
        }
        if (tree.isEmpty()) {
            return 0;
        }
        for (ProcessHandle h : tree) {
            LOG.warn("stopping child process pid={} command={}", h.pid(), h.info().command().orElse("?"));
            h.destroy();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : tree) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    h.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // still running: killed below
            }
            if (h.isAlive()) {
                LOG.warn("child process pid={} did not stop within {}: killed", h.pid(), grace);
                h.destroyForcibly();
            }
        }
        return tree.size();
    }
}
