package org.ipfsbackup.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.exec.ExecBinding;
import org.ipfsbackup.dump.DumpEngine;
import org.ipfsbackup.dump.DumpException;
import org.ipfsbackup.dump.MongodumpEngine;
import org.ipfsbackup.dump.MongodumpExec;
import org.ipfsbackup.mongo.MongoToolRunner;
import org.ipfsbackup.dump.DumpResult;
import org.ipfsbackup.mongo.OplogPosition;
import org.ipfsbackup.job.WorkDirectories;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the dump step: a full dump, or for an incremental the oplog entries after the previous backup's
 * {@code oplogEnd}, into {@code <work dir>/dump} (emptied first). When the oplog no longer reaches back to that
 * position the chain is broken ({@link org.ipfsbackup.dump.OplogGapException}); what happens then (a full in its place,
 * or the backup fails) is decided in {@code routes/backup-dump.camel.yaml}.
 */
public class DumpBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.dump");
    private final DumpEngine engine;

    public DumpBinding(DumpEngine engine) {
        this.engine = engine;
    }

    public void dump(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Path dir = Path.of(m.getHeader(BackupHeaders.WORK_DIR, String.class)).resolve("dump");
        if (Files.exists(dir)) {
            WorkDirectories.deleteTree(dir); // what a failed oplog dump left before the full in its place
        }
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        DumpResult r;
        String execEndpoint = exchange.getProperty(MONGODUMP_EXEC, String.class);
        ProducerTemplate template = null;
        DumpEngine chosen = engine;
        if (engine instanceof MongodumpEngine mongodump && execEndpoint != null) {
            // each mongodump run the engine plans is carried out by the route named in the YAML (its exec endpoint)
            ProducerTemplate t = template = exchange.getContext().createProducerTemplate();
            chosen = mongodump.withExec(call -> execThroughRoute(t, execEndpoint, call));
        }
        try {
            if ("incremental".equals(m.getHeader(BackupHeaders.TYPE, String.class))) {
                r = chosen.dumpOplog(OplogPosition.parse(m.getHeader(BackupHeaders.OPLOG_AFTER, String.class)), dir);
            } else {
                r = chosen.dumpFull(dir);
            }
        } finally {
            if (template != null) {
                template.stop();
            }
        }
        m.setHeader(BackupHeaders.DUMP_DIR, dir.toString());
        m.setHeader(BackupHeaders.DUMP_RESULT, r);
        exchange.setProperty(BackupHeaders.STEP_BYTES, r.bytes());
        LOG.info("backup={} step=dump engine={} databases={} collections={} documents={} oplogOperations={} bytes={} oplogStart={} oplogEnd={} durationMs={}",
                m.getHeader(BackupHeaders.NAME), r.engine(), r.databases(), r.collections(), r.documents(), r.oplogOperations(),
                r.bytes(), r.oplogStart(), r.oplogEnd(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** The engine that dumps: {@code mongodump} or {@code driver} (for the choice in the route). */
    public String engineName() {
        return engine.name();
    }

    /** The exchange property naming the endpoint that runs mongodump (set in routes/backup-dump.camel.yaml). */
    static final String MONGODUMP_EXEC = "mongodumpExec";
    /** The exchange property holding the {@link MongodumpExec.Call} on its way through that route. */
    static final String MONGODUMP_CALL = "mongodumpCall";

    /**
     * Sends one planned mongodump run to {@code endpoint}: the camel-exec headers (executable, arguments with the
     * {@code --config} file first, timeout, working directory) come from the plan; the route runs it and checks it
     * ({@link #checkMongodumpRun}).
     */
    private static MongoToolRunner.Outcome execThroughRoute(ProducerTemplate template, String endpoint, MongodumpExec.Call call)
            throws DumpException {
        Exchange done = template.send(endpoint, e -> {
            e.setProperty(MONGODUMP_CALL, call);
            Message in = e.getMessage();
            in.setHeader(ExecBinding.EXEC_COMMAND_EXECUTABLE, call.executable().toString());
            in.setHeader(ExecBinding.EXEC_COMMAND_ARGS, call.arguments());
            in.setHeader(ExecBinding.EXEC_COMMAND_TIMEOUT, call.timeoutMillis());
            in.setHeader(ExecBinding.EXEC_COMMAND_WORKING_DIR, call.config().getParent().toString());
        });
        Exception failure = done.getException();
        if (failure instanceof DumpException de) {
            throw de;
        }
        if (failure != null) {
            throw new DumpException(MongodumpEngine.NAME, "mongodump (" + call.what() + ") through " + endpoint + " failed: "
                    + call.masker().apply(String.valueOf(failure)), failure);
        }
        return done.getMessage().getBody(MongoToolRunner.Outcome.class);
    }

    /**
     * The check after the exec endpoint (body: its {@link org.apache.camel.component.exec.ExecResult}, or the
     * exception when mongodump could not be started): a kill at the timeout, a failed start or a non-zero exit code
     * fail the dump, naming stderr's last lines with credentials masked. The body becomes the checked outcome.
     */
    public void checkMongodumpRun(Exchange exchange) throws DumpException {
        MongodumpExec.Call call = exchange.getProperty(MONGODUMP_CALL, MongodumpExec.Call.class);
        Object body = exchange.getMessage().getBody();
        exchange.getMessage().setBody(MongodumpExec.check(call, MongodumpExec.outcome(call, body)));
    }

    /**
     * Writes {@link org.ipfsbackup.manifest.BackupInfo} into the dump directory, so the archive describes itself and
     * start-up recovery can adopt an upload whose manifest entry was never written (kill -9 between upload and record).
     */
    public void describe(Exchange exchange) throws java.io.IOException {
        Message m = exchange.getMessage();
        DumpResult r = m.getHeader(BackupHeaders.DUMP_RESULT, DumpResult.class);
        new org.ipfsbackup.manifest.BackupInfo(org.ipfsbackup.manifest.BackupInfo.VERSION, m.getHeader(BackupHeaders.NAME, String.class),
                m.getHeader(BackupHeaders.TYPE, String.class), m.getHeader(BackupHeaders.STARTED, java.time.Instant.class), r.databases(),
                r.mongodbVersion(), r.replicaSet(), r.engine(), r.collections(), r.documents(),
                r.oplogStart() == null ? null : r.oplogStart().toString(), r.oplogEnd() == null ? null : r.oplogEnd().toString(),
                r.oplogEnd() == null ? null : r.oplogOperations(), m.getHeader(BackupHeaders.BASE_BACKUP, String.class),
                m.getHeader(BackupHeaders.PREVIOUS_BACKUP, String.class))
                .writeInto(Path.of(m.getHeader(BackupHeaders.DUMP_DIR, String.class)));
    }
}
