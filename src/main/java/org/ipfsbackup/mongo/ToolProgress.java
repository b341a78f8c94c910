package org.ipfsbackup.mongo;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ipfsbackup.observe.ProgressReporter;

/**
 * A mongo-tools program's stderr, summarised into our progress line as it is written (the whole stderr is still
 * collected for messages). Neither program says up front how many documents there are: no total.
 * <ul>
 * <li>mongodump ({@link #mongodump}): its {@code done dumping shop.orders (2500 documents)} lines count collections
 * and documents done, its progress bars ({@code [###....]  shop.orders  1000/2500  (40.0%)}, every few seconds per
 * collection being read) the documents of the collections in progress.</li>
 * <li>mongorestore ({@link #mongorestore}): its {@code finished restoring shop.orders (2500 documents, 0 failures)}
 * lines count collections and documents done (and failures), its progress bars
 * ({@code [###....]  shop.orders  1.20MB/5.00MB  (24.0%)}) show the bytes of the collections in progress, and its
 * final {@code 2501 document(s) restored successfully. 0 document(s) failed to restore.} gives the documents restored;
 * with {@code --oplogReplay} its {@code applied 12 oplog entries} (printed once, when the replay ends) the entries applied.</li>
 * </ul>
 */
public final class ToolProgress extends OutputStream {

    /** What one program's lines look like; group 1 of {@code done} and {@code bar} is the namespace. */
    private record Grammar(Pattern done, Pattern bar, boolean barCountsDocuments, Pattern total, Pattern oplog) {
    }

    private static final Grammar MONGODUMP = new Grammar(
            Pattern.compile("done dumping (\\S+) \\((\\d+) documents?\\)"),
            Pattern.compile("\\]\\s+(\\S+)\\s+(\\d+)/(\\d+)\\s+\\("), true, null, null);
    private static final Grammar MONGORESTORE = new Grammar(
            Pattern.compile("finished restoring (\\S+) \\((\\d+) documents?, (\\d+) failures?\\)"),
            Pattern.compile("\\]\\s+(\\S+)\\s+(\\S+/\\S+)\\s+\\(([\\d.]+%)\\)"), false,
            Pattern.compile("(\\d+) document\\(s\\) restored successfully\\. (\\d+) document\\(s\\) failed to restore"),
            Pattern.compile("applied (\\d+) oplog entries"));

    private final Grammar grammar;
    private final ProgressReporter reporter;
    private final StringBuilder line = new StringBuilder();
    /** Per collection in progress: its documents so far (mongodump) or its bar's text (mongorestore). */
    private final Map<String, Object> inProgress = new LinkedHashMap<>();
    private final byte[] pending = new byte[4096];
    private int pendingLength;
    private long documentsDone;
    // read by the reporter's detail without this lock (no lock order to keep)
    private volatile int collectionsDone;
    private volatile long failures;
    private volatile String bars = "";
    private volatile long oplogApplied = -1;

    private ToolProgress(Grammar grammar, ProgressReporter reporter) {
        this.grammar = grammar;
        this.reporter = reporter.detail(this::detail);
    }

    /** Summarises mongodump's stderr into {@code reporter} (documents, no total). */
    public static ToolProgress mongodump(ProgressReporter reporter) {
        return new ToolProgress(MONGODUMP, reporter);
    }

    /** Summarises mongorestore's stderr into {@code reporter} (documents, no total). */
    public static ToolProgress mongorestore(ProgressReporter reporter) {
        return new ToolProgress(MONGORESTORE, reporter);
    }

    /** For a run of the mongodump of {@code what} ({@code dump with --oplog}, {@code oplog copy}). */
    public static ToolProgress startMongodump(String what) {
        return mongodump(ProgressReporter.start("mongodump (" + what + "): documents", ProgressReporter.Unit.COUNT, -1));
    }

    /** For a run of mongorestore. */
    public static ToolProgress startMongorestore() {
        return mongorestore(ProgressReporter.start("mongorestore: documents restored", ProgressReporter.Unit.COUNT, -1));
    }

    private String detail() {
        long f = failures;
        return ", " + collectionsDone + " collection(s) done" + (f > 0 ? ", " + f + " failure(s)" : "")
                + (oplogApplied >= 0 ? ", " + oplogApplied + " oplog entries applied" : "") + bars;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n' || b == '\r') {
            flushBytes();
            line(line.toString());
            line.setLength(0);
        } else {
            if (pendingLength == pending.length) {
                flushBytes();
            }
            pending[pendingLength++] = (byte) b;
        }
    }

    private void flushBytes() {
        line.append(new String(pending, 0, pendingLength, StandardCharsets.UTF_8));
        pendingLength = 0;
        if (line.length() > 16_384) { // no newline for that long: not a line of ours
            line.setLength(0);
        }
    }

    private void line(String text) {
        Matcher done = grammar.done().matcher(text);
        Matcher bar = grammar.bar().matcher(text);
        Matcher total = grammar.total() == null ? null : grammar.total().matcher(text);
        Matcher oplog = grammar.oplog() == null ? null : grammar.oplog().matcher(text);
        if (done.find()) {
            inProgress.remove(done.group(1));
            collectionsDone++;
            documentsDone += Long.parseLong(done.group(2));
            if (done.groupCount() >= 3) {
                failures += Long.parseLong(done.group(3));
            }
        } else if (total != null && total.find()) { // the program's own sum: what counts
            inProgress.clear();
            documentsDone = Long.parseLong(total.group(1));
            failures = Long.parseLong(total.group(2));
        } else if (oplog != null && oplog.find()) { // the replay (--oplogReplay) ended
            inProgress.clear();
            oplogApplied = Long.parseLong(oplog.group(1));
        } else if (bar.find()) {
            inProgress.put(bar.group(1), grammar.barCountsDocuments() ? (Object) Long.parseLong(bar.group(2))
                    : bar.group(2) + " (" + bar.group(3) + ")");
        } else {
            return;
        }
        long inFlight = 0;
        StringBuilder barText = new StringBuilder();
        for (Map.Entry<String, Object> e : inProgress.entrySet()) {
            if (e.getValue() instanceof Long documents) {
                inFlight += documents;
            } else {
                barText.append(", ").append(e.getKey()).append(' ').append(e.getValue());
            }
        }
        bars = barText.toString();
        reporter.update(documentsDone + inFlight);
    }

    /** The run ended: the last state, always printed. */
    public void finish() {
        synchronized (this) {
            flushBytes();
            line(line.toString());
            line.setLength(0);
        }
        reporter.finish();
    }
}
