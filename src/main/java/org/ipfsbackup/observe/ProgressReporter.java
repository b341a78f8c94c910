package org.ipfsbackup.observe;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.ipfsbackup.status.HumanSize;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long step (dump, upload, download, restore) for the operator: on a terminal one line rewritten at
 * most once a second, otherwise one line every 10 s (logs stay readable). Bytes show done of total, rate and ETA;
 * counts (documents, oplog entries) show done of total. The clock is passed in so the rhythm is tested without waiting.
 * <p>
 * Steps get theirs from {@link #start}, which prints where the process said ({@link #useStream} for a one-shot
 * command's stderr, whatever the log level; by default the log at INFO, as the service wants): the step does not
 * know whether it runs in the service or in the CLI.
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
    private final long intervalNanos;
    private volatile Supplier<String> detail = () -> "";
    private final long started;
    private long lastPrinted;
    private long done;
    private boolean printedAny;
    private boolean lastLineAlways = true;

    /**
     * @param total the amount expected, or -1 when unknown
     * @param out receives each line (on a terminal starting with a carriage return, no newline until {@link #finish})
     */
    public ProgressReporter(String what, Unit unit, long total, boolean terminal, LongSupplier nanos, Consumer<String> out) {
        this(what, unit, total, terminal, terminal ? TERMINAL_INTERVAL_NANOS : LINE_INTERVAL_NANOS, nanos, out);
    }

    /** @param intervalNanos the least time between two lines ({@link #finish} prints the last one whatever the time) */
    public ProgressReporter(String what, Unit unit, long total, boolean terminal, long intervalNanos, LongSupplier nanos,
                            Consumer<String> out) {
        this.intervalNanos = intervalNanos;
        this.what = what;
        this.unit = unit;
        this.total = total;
        this.terminal = terminal;
        this.nanos = nanos;
        this.out = out;
        this.started = nanos.getAsLong();
        this.lastPrinted = started;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
    // the service's log: a step shorter than the interval logs no progress (its step line says what it did)
    private static final Output LOG_OUTPUT = new Output(line -> LOG.info(line.strip()), false, LINE_INTERVAL_NANOS, false);
    private static final Output NO_OUTPUT = new Output(line -> { }, false, Long.MAX_VALUE, false);
    private static volatile Output output = LOG_OUTPUT;

    /** Where {@link #start} reporters print, whether they rewrite one line and how often they print. */
    private record Output(Consumer<String> sink, boolean terminal, long intervalNanos, boolean lastLineAlways) {
    }

    /**
     * Reporters from {@link #start} print on {@code err} (a one-shot command's stderr): rewriting one line when
     * {@code terminal}, else one line per {@code lineInterval}.
     */
    public static void useStream(PrintWriter err, boolean terminal, Duration lineInterval) {
        output = new Output(s -> {
            err.print(s);
            err.flush();
        }, terminal, terminal ? TERMINAL_INTERVAL_NANOS : lineInterval.toNanos(), true);
    }

    /** Reporters from {@link #start} log at INFO at most once per 10 s each (the service; the default). */
    public static void useLog() {
        output = LOG_OUTPUT;
    }

    /** Reporters from {@link #start} print nothing ({@code --progress off}). */
    public static void useNone() {
        output = NO_OUTPUT;
    }

    /** A reporter for a step, printing where the process said ({@link #useStream}, {@link #useLog}). */
    public static ProgressReporter start(String what, Unit unit, long total) {
        return start(what, unit, total, System::nanoTime);
    }

    static ProgressReporter start(String what, Unit unit, long total, LongSupplier nanos) {
        Output o = output;
        ProgressReporter r = new ProgressReporter(what, unit, total, o.terminal(), o.intervalNanos(), nanos, o.sink());
        r.lastLineAlways = o.lastLineAlways();
        return r;
    }

    /** Appended to every line, e.g. {@code ", 3 of 12 collections"}; read when a line is printed. */
    public ProgressReporter detail(Supplier<String> more) {
        this.detail = more;
        return this;
    }

    /** {@code out} counting what is written through it into this reporter (an upload's or download's bytes). */
    public OutputStream counting(OutputStream out) {
        return new FilterOutputStream(out) {
            private long bytes;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                bytes += len;
                update(bytes);
            }

            @Override
            public void write(int b) throws IOException {
                out.write(b);
                update(++bytes);
            }
        };
    }

    /** {@code in} counting what is read through it into this reporter (a download read as it arrives). */
    public InputStream counting(InputStream in) {
        return new FilterInputStream(in) {
            private long bytes;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n > 0) {
                    bytes += n;
                    update(bytes);
                }
                return n;
            }

            @Override
            public int read() throws IOException {
                int c = in.read();
                if (c >= 0) {
                    update(++bytes);
                }
                return c;
            }
        };
    }

    /** The amount done so far (cumulative); prints when the interval has passed. */
    public synchronized void update(long doneSoFar) {
        this.done = doneSoFar;
        long now = nanos.getAsLong();
        if (now - lastPrinted >= intervalNanos) {
            lastPrinted = now;
            print(now);
        }
    }

    public synchronized void add(long more) {
        update(done + more);
    }

    /**
     * The last state, printed (ends the terminal line); in the service's log only when an earlier line was (a step
     * shorter than 10 s logs no progress).
     */
    public synchronized void finish() {
        if (!lastLineAlways && !printedAny) {
            return;
        }
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
        return sb.append(detail.get()).toString();
    }

    private String percent() {
        return total <= 0 ? "" : String.format(Locale.ROOT, " (%d%%)", Math.min(100, done * 100 / total));
    }

    static String duration(long s) {
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
