package org.ipfsbackup.bench;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.event.CommandFailedEvent;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.ipfsbackup.dump.DriverDumpEngine;
import org.ipfsbackup.dump.DumpEngine;
import org.ipfsbackup.dump.DumpResult;
import org.ipfsbackup.dump.DumpSettings;
import org.ipfsbackup.dump.MongodumpEngine;
import org.ipfsbackup.mongo.OplogPosition;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JVM side of {@code bin/bench dump}: loads user-like data into a server (through the driver, so the server's
 * oplog records every insert as an application's writes would), makes changes for an incremental, and runs one dump
 * with one of our engines, printing a {@code RESULT} line: seconds, bytes, documents, oplog entries, and the time the
 * engine's own driver spent on {@code local.oplog.rs} commands (find/getMore/killCursors), apart from everything else.
 *
 * <pre>
 *   setup URI                       creates the capped local.oplog.rs (FerretDB records writes in it)
 *   load URI MIB                    4 collections of appdb (users, orders, events, sessions), MIB in all
 *   change URI N                    N updates + N/10 inserts + N/10 deletes in appdb.orders
 *   full ENGINE URI OUT [EXE]       ENGINE: driver | mongodump (EXE: the mongodump to run)
 *   oplog ENGINE URI AFTER OUT [EXE]  AFTER: t:i (a full's oplogEnd)
 * </pre>
 */
public final class DumpBench {

    static final String DB = "appdb";
    static final String[] COLLECTIONS = {"users", "orders", "events", "sessions"};

    private DumpBench() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "setup" -> {
                try (MongoClient c = MongoClients.create(args[1])) {
                    // as LocalStack prepares its FerretDB: the capped oplog FerretDB records writes into
                    c.getDatabase("local").createCollection("oplog.rs", new com.mongodb.client.model.CreateCollectionOptions()
                            .capped(true).sizeInBytes(org.ipfsbackup.devstack.LocalStack.OPLOG_SIZE_BYTES));
                }
            }
            case "load" -> load(args[1], Long.parseLong(args[2]) << 20);
            case "change" -> change(args[1], Integer.parseInt(args[2]));
            case "full", "oplog" -> dump(args);
            default -> throw new IllegalArgumentException("unknown: " + args[0]);
        }
    }

    static void load(String uri, long bytes) {
        try (MongoClient c = MongoClients.create(uri)) {
            long docs = 0;
            long total = 0;
            for (int i = 0; i < COLLECTIONS.length; i++) {
                MongoCollection<RawBsonDocument> coll = c.getDatabase(DB).getCollection(COLLECTIONS[i], RawBsonDocument.class);
                List<RawBsonDocument> batch = new ArrayList<>();
                long[] n = {0, 0};
                // sessions are events of another seed: four collections as in the measurement
                UserLikeDump.documents(Math.min(i, 2), bytes / COLLECTIONS.length, 42 + i, doc -> {
                    batch.add(new RawBsonDocument(doc));
                    n[0]++;
                    n[1] += doc.length;
                    if (batch.size() == 1000) {
                        coll.insertMany(batch);
                        batch.clear();
                    }
                });
                if (!batch.isEmpty()) {
                    coll.insertMany(batch);
                }
                docs += n[0];
                total += n[1];
            }
            System.out.println("LOADED documents=" + docs + " bytes=" + total);
        }
    }

    static void change(String uri, int n) {
        try (MongoClient c = MongoClients.create(uri)) {
            MongoCollection<BsonDocument> orders = c.getDatabase(DB).getCollection("orders", BsonDocument.class);
            List<BsonValue> ids = new ArrayList<>();
            for (BsonDocument d : orders.find().projection(new BsonDocument("_id", new org.bson.BsonInt32(1))).limit(n)) {
                ids.add(d.get("_id"));
            }
            for (int i = 0; i < ids.size(); i++) {
                orders.updateOne(Filters.eq("_id", ids.get(i)), Updates.set("status", "changed-" + i));
            }
            for (int i = 0; i < n / 10; i++) {
                orders.insertOne(new BsonDocument("_id", new org.bson.BsonString("bench-" + System.nanoTime() + "-" + i))
                        .append("status", new org.bson.BsonString("new")));
            }
            for (int i = 0; i < n / 10 && i < ids.size(); i++) {
                orders.deleteOne(Filters.eq("_id", ids.get(ids.size() - 1 - i)));
            }
            System.out.println("CHANGED updates=" + ids.size() + " inserts=" + n / 10 + " deletes=" + Math.min(n / 10, ids.size()));
        }
    }

    /** Time of the driver's commands on local.oplog.rs (their getMores and killCursors included), and of all others. */
    static final class OplogTimer implements CommandListener {
        final Map<Integer, Long> startedOnOplog = new ConcurrentHashMap<>();
        final java.util.Set<Long> oplogCursors = ConcurrentHashMap.newKeySet();
        final AtomicLong oplogNanos = new AtomicLong();
        final AtomicLong oplogCommands = new AtomicLong();

        @Override
        public void commandStarted(CommandStartedEvent e) {
            BsonDocument cmd = e.getCommand();
            boolean oplog = e.getDatabaseName().equals("local") && switch (e.getCommandName()) {
                case "find", "aggregate", "count" -> "oplog.rs".equals(cmd.get(e.getCommandName()).isString()
                        ? cmd.getString(e.getCommandName()).getValue() : null);
                case "getMore" -> oplogCursors.contains(cmd.getInt64("getMore").getValue());
                case "killCursors" -> "oplog.rs".equals(cmd.getString("killCursors").getValue());
                default -> false;
            };
            if (oplog) {
                startedOnOplog.put(e.getRequestId(), System.nanoTime());
            }
        }

        @Override
        public void commandSucceeded(CommandSucceededEvent e) {
            if (startedOnOplog.remove(e.getRequestId()) != null) {
                oplogNanos.addAndGet(e.getElapsedTime(TimeUnit.NANOSECONDS));
                oplogCommands.incrementAndGet();
                BsonDocument cursor = e.getResponse().getDocument("cursor", null);
                if (cursor != null && cursor.getInt64("id").getValue() != 0) {
                    oplogCursors.add(cursor.getInt64("id").getValue());
                }
            }
        }

        @Override
        public void commandFailed(CommandFailedEvent e) {
            if (startedOnOplog.remove(e.getRequestId()) != null) {
                oplogNanos.addAndGet(e.getElapsedTime(TimeUnit.NANOSECONDS));
            }
        }
    }

    static void dump(String[] args) throws Exception {
        String engineName = args[1];
        String uri = args[2];
        boolean full = args[0].equals("full");
        Path out = Path.of(full ? args[3] : args[4]);
        String exe = args.length > (full ? 4 : 5) ? args[full ? 4 : 5] : null;
        OplogTimer timer = new OplogTimer();
        try (MongoClient client = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(uri)).addCommandListener(timer).build())) {
            DumpSettings settings = DumpSettings.of(uri).withDatabases(List.of(DB), null);
            DumpEngine engine = engineName.equals("driver") ? new DriverDumpEngine(settings, client)
                    : new MongodumpEngine(settings.withEngine("mongodump"), Path.of(exe), Files.createTempDirectory("bench-md"), client);
            long t0 = System.nanoTime();
            DumpResult r = full ? engine.dumpFull(out) : engine.dumpOplog(OplogPosition.parse(args[3]), out);
            double sec = (System.nanoTime() - t0) / 1e9;
            System.out.printf("RESULT engine=%s kind=%s seconds=%.3f bytes=%d documents=%d oplogEntries=%d oplogQuerySeconds=%.3f"
                            + " oplogCommands=%d oplogStart=%s oplogEnd=%s%n", r.engine(), args[0], sec, r.bytes(), r.documents(),
                    r.oplogOperations(), timer.oplogNanos.get() / 1e9, timer.oplogCommands.get(), r.oplogStart(), r.oplogEnd());
        }
    }
}
