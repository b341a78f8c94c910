package org.ipfsbackup.mongo;

import org.bson.BsonTimestamp;

/**
 * A position in the replica set's oplog ({@code ts} of an entry): seconds since the epoch and an increment.
 * Written in manifests as {@code "<seconds>:<increment>"}.
 */
public record OplogPosition(long seconds, int increment) implements Comparable<OplogPosition> {

    public OplogPosition {
        if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("oplog seconds out of range: " + seconds);
        }
    }

    public static OplogPosition of(BsonTimestamp ts) {
        return new OplogPosition(Integer.toUnsignedLong(ts.getTime()), ts.getInc());
    }

    /** Parses {@code "<seconds>:<increment>"}. */
    public static OplogPosition parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("oplog position must look like <seconds>:<increment>, got: " + text);
        }
        try {
            return new OplogPosition(Long.parseLong(text.substring(0, colon)), Integer.parseUnsignedInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("oplog position must look like <seconds>:<increment>, got: " + text, e);
        }
    }

    public BsonTimestamp toBsonTimestamp() {
        return new BsonTimestamp((int) seconds, increment);
    }

    @Override
    public int compareTo(OplogPosition o) {
        int c = Long.compare(seconds, o.seconds);
        return c != 0 ? c : Integer.compareUnsigned(increment, o.increment);
    }

    @Override
    public String toString() {
        return seconds + ":" + Integer.toUnsignedString(increment);
    }
}
