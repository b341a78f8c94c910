package org.ipfsbackup.observe;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.ipfsbackup.status.HumanSize;

/**
 * Progress of a long step (dump, upload, download, restore) for the operator: on a terminal one line rewritten at
 * most once a second, otherwise one line every 10 s (logs stay readable). Bytes show done of total, rate and ETA;
 * counts (documents, oplog entries) show done of total. The clock is passed in so the rhythm is tested without waiting.
 */
public final class ProgressReporter {
    public enum Unit { BYTES, COUNT }

    static final long TERMINAL_INTERVAL_NANOS = 1_000_000_000L;
    static final long LINE_INTERVAL_NANOS = 10_000_000_000L;

    private final String what;
    private final Unit unit;
    private final long total;
    private final boolean terminal;
    private final LongSupplier nanos;
    private final Consumer<String> out;
    private final long started;
    private long lastPrinted;
    private long done;
    private boolean printedAny;

    /**
     * @param total the amount expected, or -1 when unknown
     * @param out receives each line (on a terminal starting with a carriage return, no newline until {@link #finish})
     */
    public ProgressReporter(String what, Unit unit, long total, boolean terminal, LongSupplier nanos, Consumer<String> out) {
        this.what = what;
        this.unit = unit;
        this.total = total;
        this.terminal = terminal;
        this.nanos = nanos;
        this.out = out;
        this.started = nanos.getAsLong();
        this.lastPrinted = started;
    }

    /** To stderr, as a terminal when the process has a console. */
    public static ProgressReporter toStderr(String what, Unit unit, long total) {
        return new ProgressReporter(what, unit, total, System.console() != null, System::nanoTime, s -> {
            System.err.print(s);
            System.err.flush();
        });
    }

    /** The amount done so far (cumulative); prints when the interval has passed. */
    public synchronized void update(long doneSoFar) {
        this.done = doneSoFar;
        long now = nanos.getAsLong();
        if (now - lastPrinted >= (terminal ? TERMINAL_INTERVAL_NANOS : LINE_INTERVAL_NANOS)) {
            lastPrinted = now;
            print(now);
        }
    }

    public synchronized void add(long more) {
        update(done + more);
    }

    /** The last state, always printed (ends the terminal line). */
    public synchronized void finish() {
        print(nanos.getAsLong());
        if (terminal) {
            out.accept("\n");
        }
    }

    private void print(long now) {
        String line = line(now);
        out.accept(terminal ? "\r" + line : line + "\n");
        printedAny = true;
    }

    boolean printedAny() {
        return printedAny;
    }

    String line(long now) {
        double seconds = Math.max(1e-9, (now - started) / 1e9);
        StringBuilder sb = new StringBuilder(what).append(": ");
        if (unit == Unit.BYTES) {
            sb.append(HumanSize.of(done));
            if (total >= 0) {
                sb.append(" of ").append(HumanSize.of(total)).append(percent());
            }
            double rate = done / seconds;
            sb.append(", ").append(HumanSize.of((long) rate)).append("/s");
            if (total >= 0 && rate > 0 && done < total) {
                sb.append(", ETA ").append(duration((long) Math.ceil((total - done) / rate)));
            }
        } else {
            sb.append(done);
            if (total >= 0) {
                sb.append(" of ").append(total).append(percent());
            }
            sb.append(String.format(Locale.ROOT, ", %.0f/s", done / seconds));
        }
        return sb.toString();
    }

    private String percent() {
        return total <= 0 ? "" : String.format(Locale.ROOT, " (%d%%)", Math.min(100, done * 100 / total));
    }

    static String duration(long s) {
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
