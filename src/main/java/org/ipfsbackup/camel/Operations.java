package org.ipfsbackup.camel;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trigger operations, sent to the entry routes ({@code direct:backup-full}, ...) on a thread of their own so the
 * JMX call returns at once. The send itself is synchronous: the asynchronous producer template reported each send
 * twice (two sending/sent events for the entry route), so the step log showed a JMX-triggered run's entry route twice.
 */
public final class Operations implements OperationsMBean {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.operations");
    public static final String OBJECT_NAME = "org.ipfsbackup:type=Operations";
    private final CamelContext context;
    private ProducerTemplate template;
    private volatile org.ipfsbackup.job.BackupLock lock;
    private java.util.concurrent.ExecutorService runner;

    public Operations(CamelContext context) {
        this.context = context;
    }

    private synchronized String trigger(String entryPoint) {
        if (template == null) {
            template = context.createProducerTemplate();
            runner = context.getExecutorServiceManager().newCachedThreadPool(this, "ipfs-backup-operations");
        }
        LOG.info("triggered over JMX: {}", entryPoint);
        ProducerTemplate t = template;
        runner.execute(() -> t.send(entryPoint, e -> { }));
        return "started " + entryPoint + " (see the log and /observe/metrics for its outcome)";
    }

    @Override
    public String triggerFullBackup() {
        return trigger("direct:backup-full");
    }

    @Override
    public String triggerIncrementalBackup() {
        return trigger("direct:backup-incremental");
    }

    @Override
    public String triggerSliceBackup() {
        return trigger("direct:backup-slice");
    }

    @Override
    public String triggerRetention() {
        return trigger("direct:retention");
    }

    @Override
    public String triggerVerification() {
        return trigger("direct:verification");
    }

    @Override
    public String triggerWatchdog() {
        return trigger("direct:watchdog");
    }

    /** The lock whose holder {@link #cancelRunningJob} asks to cancel. */
    public void useLock(org.ipfsbackup.job.BackupLock lock) {
        this.lock = lock;
    }

    @Override
    public String cancelRunningJob() {
        org.ipfsbackup.job.BackupLock l = lock;
        if (l == null) {
            return "not available: the application has no job lock";
        }
        return l.requestCancel("cancel requested over JMX").map(h -> "cancel requested for " + h + " (see the log for its outcome)")
                .orElse("no job is running: nothing to cancel");
    }

    /** Registers in the platform MBean server (replacing a registration left by an earlier application in this JVM). */
    public void register() {
        try {
            MBeanServer s = ManagementFactory.getPlatformMBeanServer();
            ObjectName n = new ObjectName(OBJECT_NAME);
            if (s.isRegistered(n)) {
                s.unregisterMBean(n);
            }
            s.registerMBean(this, n);
        } catch (Exception e) {
            LOG.warn("could not register {}: {}", OBJECT_NAME, e.toString());
        }
    }

    public void unregister() {
        try {
            MBeanServer s = ManagementFactory.getPlatformMBeanServer();
            ObjectName n = new ObjectName(OBJECT_NAME);
            if (s.isRegistered(n)) {
                s.unregisterMBean(n);
            }
        } catch (Exception e) {
            LOG.debug("could not unregister {}: {}", OBJECT_NAME, e.toString());
        }
        synchronized (this) {
            if (runner != null) {
                context.getExecutorServiceManager().shutdown(runner);
            }
            if (template != null) {
                try {
                    template.stop();
                } catch (RuntimeException e) {
                    LOG.debug("stopping the template: {}", e.toString());
                }
            }
        }
    }
}
