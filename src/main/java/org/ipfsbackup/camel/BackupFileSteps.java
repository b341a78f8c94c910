package org.ipfsbackup.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.exec.ExecBinding;
import org.ipfsbackup.archive.ArchiveResult;
import org.ipfsbackup.archive.TarGzArchiver;
import org.ipfsbackup.crypto.BackupCipher;
import org.ipfsbackup.crypto.EncryptResult;
import org.ipfsbackup.crypto.GcmWarmUp;
import org.ipfsbackup.dump.DumpEngine;
import org.ipfsbackup.dump.DumpException;
import org.ipfsbackup.dump.MongodumpEngine;
import org.ipfsbackup.dump.MongodumpExec;
import org.ipfsbackup.mongo.MongoToolRunner;
import org.ipfsbackup.dump.DumpResult;
import org.ipfsbackup.job.BackupNames;
import org.ipfsbackup.job.WorkDirectories;
import org.ipfsbackup.mongo.OplogPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of a backup that turn files into files inside the job's work directory (paths in headers, never bytes):
 * dump ({@code dumpBinding}), archive ({@code archiveBinding}) and encrypt ({@code cryptoBinding}). Each step removes
 * what the previous one wrote once its own output is complete.
 *
 * <p>Dump: a full dump, or for an incremental the oplog entries after the previous backup's {@code oplogEnd}, into
 * {@code <work dir>/dump} (emptied first). When the oplog no longer reaches back to that position the chain is broken
 * ({@link org.ipfsbackup.dump.OplogGapException}); what happens then (a full in its place, or the backup fails) is
 * decided in {@code routes/backup-dump.camel.yaml}.
 */
public class BackupFileSteps {
    private static final Logger DUMP_LOG = LoggerFactory.getLogger("ipfs-backup.dump");
    private static final Logger ARCHIVE_LOG = LoggerFactory.getLogger("ipfs-backup.archive");
    private static final Logger ENCRYPT_LOG = LoggerFactory.getLogger("ipfs-backup.encrypt");
    private final DumpEngine engine;
    private final TarGzArchiver archiver;
    private final BackupCipher cipher;

    public BackupFileSteps(DumpEngine engine, TarGzArchiver archiver, BackupCipher cipher) {
        this.engine = engine;
        this.archiver = archiver;
        this.cipher = cipher;
    }

    private static Path path(Message m, String header) {
        return Path.of(m.getHeader(header, String.class));
    }

    private static long msSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
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

    public void dump(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Path dir = path(m, BackupHeaders.WORK_DIR).resolve("dump");
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
        DUMP_LOG.info("backup={} step=dump engine={} databases={} collections={} documents={} oplogOperations={} bytes={} oplogStart={} oplogEnd={} durationMs={}",
                m.getHeader(BackupHeaders.NAME), r.engine(), r.databases(), r.collections(), r.documents(), r.oplogOperations(),
                r.bytes(), r.oplogStart(), r.oplogEnd(), msSince(t0));
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
                m.getHeader(BackupHeaders.PREVIOUS_BACKUP, String.class), r.contentDigests())
                .writeInto(path(m, BackupHeaders.DUMP_DIR));
    }

    /** The dump directory becomes {@code <name>.tar.gz} (or {@code .tar.zst}); the dump is removed once archived. */
    public void archive(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Path dump = path(m, BackupHeaders.DUMP_DIR);
        String name = m.getHeader(BackupHeaders.NAME, String.class);
        Path target = path(m, BackupHeaders.WORK_DIR).resolve(BackupNames.archiveFile(name));
        DumpResult dumped = m.getHeader(BackupHeaders.DUMP_RESULT, DumpResult.class);
        if (dumped == null || dumped.bytes() >= 4 * GcmWarmUp.WORTH_WAITING_BYTES) {
            GcmWarmUp.startOnce(); // AES-GCM compiled while the archive compresses (see there)
        }
        long t0 = System.nanoTime();
        ArchiveResult r = archiver.archive(dump, target);
        WorkDirectories.deleteTree(dump);
        m.setHeader(BackupHeaders.ARCHIVE_FILE, target.toString());
        m.setHeader(BackupHeaders.ARCHIVE_RESULT, r);
        exchange.setProperty(BackupHeaders.STEP_BYTES, r.archiveBytes());
        m.setHeader(BackupHeaders.COMPRESSION, archiver.compression());
        m.removeHeader(BackupHeaders.DUMP_DIR);
        long ms = msSince(t0);
        ARCHIVE_LOG.info("backup={} step=archive compression={} files={} contentBytes={} bytes={} durationMs={} MBps={}", name, archiver.compression(),
                r.files(), r.contentBytes(), r.archiveBytes(), ms, ms == 0 ? "-" : String.format("%.1f", r.contentBytes() / 1e3 / ms));
    }

    /** The plain archive becomes the encrypted backup file; the plain archive is deleted. */
    public void encrypt(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Path plain = path(m, BackupHeaders.ARCHIVE_FILE);
        String name = m.getHeader(BackupHeaders.NAME, String.class);
        Path target = path(m, BackupHeaders.WORK_DIR).resolve(name);
        long t0 = System.nanoTime();
        GcmWarmUp.beforeBulk(Files.size(plain)); // started by the archive step; see there
        EncryptResult r = cipher.encrypt(plain, target);
        Files.delete(plain);
        m.removeHeader(BackupHeaders.ARCHIVE_FILE);
        m.setHeader(BackupHeaders.ENCRYPTED_FILE, target.toString());
        m.setHeader(BackupHeaders.SIZE, r.encryptedBytes());
        exchange.setProperty(BackupHeaders.STEP_BYTES, r.encryptedBytes());
        m.setHeader(BackupHeaders.SHA256, r.sha256());
        m.setHeader(BackupHeaders.WRAPPED_KEY, r.dataKey().encode());
        ENCRYPT_LOG.info("backup={} step=encrypt bytes={} sha256={} keyId={} durationMs={}", name, r.encryptedBytes(), r.sha256(),
                r.dataKey().keyId(), msSince(t0));
    }
}
