package org.ipfsbackup.dump;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ipfsbackup.observe.ProgressReporter;

/**
 * mongodump's stderr, summarised into our progress line as it is written (the whole stderr is still collected for
 * messages): its {@code done dumping shop.orders (2500 documents)} lines count collections and documents done, its
 * progress bars ({@code [###....]  shop.orders  1000/2500  (40.0%)}, every few seconds per collection being read)
 * the documents of the collections in progress. mongodump does not say up front how many there are: no total.
 */
final class MongodumpProgress extends OutputStream {
    private static final Pattern DONE = Pattern.compile("done dumping (\\S+) \\((\\d+) documents?\\)");
    private static final Pattern BAR = Pattern.compile("\\]\\s+(\\S+)\\s+(\\d+)/(\\d+)\\s+\\(");

    private final ProgressReporter reporter;
    private final StringBuilder line = new StringBuilder();
    private final Map<String, Long> inProgress = new HashMap<>();
    private final byte[] pending = new byte[4096];
    private int pendingLength;
    private long documentsDone;
    private volatile int collectionsDone; // read by the reporter's detail without this lock (no lock order to keep)

    MongodumpProgress(ProgressReporter reporter) {
        this.reporter = reporter.detail(this::detail);
    }

    /** For a run of the mongodump of {@code what} ({@code dump with --oplog}, {@code oplog copy}). */
    static MongodumpProgress start(String what) {
        return new MongodumpProgress(ProgressReporter.start("mongodump (" + what + "): documents", ProgressReporter.Unit.COUNT, -1));
    }

    private String detail() {
        return ", " + collectionsDone + " collection(s) done";
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
        Matcher done = DONE.matcher(text);
        Matcher bar = BAR.matcher(text);
        if (done.find()) {
            inProgress.remove(done.group(1));
            collectionsDone++;
            documentsDone += Long.parseLong(done.group(2));
        } else if (bar.find()) {
            inProgress.put(bar.group(1), Long.parseLong(bar.group(2)));
        } else {
            return;
        }
        reporter.update(documentsDone + inProgress.values().stream().mapToLong(Long::longValue).sum());
    }

    /** The run ended: the last state, always printed. */
    void finish() {
        synchronized (this) {
            flushBytes();
            line(line.toString());
            line.setLength(0);
        }
        reporter.finish();
    }
}
