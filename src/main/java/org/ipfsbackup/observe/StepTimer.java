package org.ipfsbackup.observe;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Times nested steps of one run. The pipeline's step routes call each other ({@code backup-dump} ends by sending to
 * {@code direct:backup-archive}, which sends on to {@code direct:backup-encrypt}...), so a step's wall time contains
 * the steps after it. This keeps a stack per run and reports each step's own time: its wall time minus the time
 * spent in the steps it called. It also remembers a value (the step's byte count) snapshotted when the step's own
 * work ended: when it called its first nested step, or when it returned without calling one.
 * One instance belongs to one run (one exchange); it is not shared between threads.
 */
public final class StepTimer {
    /** A finished step: its name, own and total nanoseconds, and the snapshot taken when its own work ended. */
    public record Step(String name, long ownNanos, long totalNanos, Object snapshot) {
        public long ownMillis() {
            return ownNanos / 1_000_000;
        }
    }

    private static final class Frame {
        final String name;
        final long started;
        long nested;
        boolean captured;
        Object value;

        Frame(String name, long started) {
            this.name = name;
            this.started = started;
        }
    }

    private final Deque<Frame> stack = new ArrayDeque<>();
    private final LongSupplier nanos;

    public StepTimer(LongSupplier nanos) {
        this.nanos = nanos;
    }

    public StepTimer() {
        this(System::nanoTime);
    }

    /**
     * A step starts. {@code parentSnapshot} is the caller's state at this moment (its own work just ended), null when
     * unknown.
     */
    public void enter(String name, Object parentSnapshot) {
        Frame parent = stack.peek();
        if (parent != null && !parent.captured) {
            parent.captured = true;
            parent.value = parentSnapshot;
        }
        stack.push(new Frame(name, nanos.getAsLong()));
    }

    /** The innermost step with this name ends; {@code snapshot} is used when it called no nested step. Null: no such step. */
    public Step exit(String name, Object snapshot) {
        if (stack.stream().noneMatch(f -> f.name.equals(name))) {
            return null;
        }
        long now = nanos.getAsLong();
        Frame f = stack.pop();
        while (!f.name.equals(name)) {
            // a nested step that never reported its end (should not happen): fold it into the caller
            f = stack.pop();
        }
        long total = now - f.started;
        Frame parent = stack.peek();
        if (parent != null) {
            parent.nested += total;
        }
        return new Step(name, Math.max(0, total - f.nested), total, f.captured ? f.value : snapshot);
    }

    /** The innermost running step, or null. */
    public String current() {
        Frame f = stack.peek();
        return f == null ? null : f.name;
    }

    public boolean idle() {
        return stack.isEmpty();
    }

    public int depth() {
        return stack.size();
    }
}
