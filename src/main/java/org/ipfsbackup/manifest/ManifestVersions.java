package org.ipfsbackup.manifest;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which published manifest versions must stay pinned. The rule (start-up recovery and retention both apply it):
 * <ol>
 * <li>a version whose state names a live backup (one that is still recorded or pinned) is kept: a manifest CID an
 * operator saved keeps restoring for as long as a backup it names exists. A version's state is the whole manifest it
 * stands for: a checkpoint's own entries, a delta's read through its chain ({@link ManifestChain});</li>
 * <li>a kept version keeps everything it needs to be read: a delta keeps the version it links to through
 * {@code previousManifest}, and so on back to its checkpoint (at most {@link ManifestStore#MAX_DELTAS} deltas).
 * A checkpoint needs nothing: its own link is history, followed only when the version it names is kept by itself.
 * A version whose kind is not known (listed by an older release without it, or not read) is treated as a delta: what
 * it links to is kept.</li>
 * </ol>
 * The head (and, for retention, the newest versions; for recovery, the versions the database lists) are kept
 * whatever they name, with their chains. What may go is a version that names no live backup and that no kept version
 * needs: superseded history older than the oldest backup still kept, behind a checkpoint, and versions off the chain
 * (a publish that was interrupted or raced another, a chain abandoned when the head document was lost). A version
 * that cannot be read now is kept, and then nothing else goes, since what it links to is not known.
 */
public final class ManifestVersions {
    private ManifestVersions() {
    }

    /**
     * One published version, as far as it is known.
     *
     * @param previous  the version it links to ({@code previousManifest}); null for the first
     * @param createdAt when it was published; null when not known
     * @param backups    the CIDs of the backups its state names as not deleted; null when its state was not read
     * @param checkpoint whether it holds the whole state (needs no other version to be read); null when not known
     */
    public record Version(String cid, String previous, Instant createdAt, Set<String> backups, Boolean checkpoint) {
        public Version {
            Objects.requireNonNull(cid, "cid");
        }

        /** A version whose kind is not known. */
        public Version(String cid, String previous, Instant createdAt, Set<String> backups) {
            this(cid, previous, createdAt, backups, null);
        }

        /** What one file tells: its link and kind, and for a checkpoint the backups it names (a delta's: null). */
        public static Version read(String cid, ManifestFile file) {
            return new Version(cid, file.previousManifest(), file.lastUpdated(),
                    file.isCheckpoint() ? live(file.backups()) : null, file.isCheckpoint());
        }

        /** A version read through its chain: the backups its whole state names. */
        public static Version read(ManifestChain.State state) {
            ManifestFile f = state.head();
            return new Version(state.cid(), f.previousManifest(), f.lastUpdated(), state.liveBackups(), f.isCheckpoint());
        }

        private static Set<String> live(java.util.List<ManifestEntry> entries) {
            Set<String> names = new LinkedHashSet<>();
            for (ManifestEntry e : entries) {
                if (!ManifestEntry.DELETED.equals(e.status())) {
                    names.add(e.cid());
                }
            }
            return names;
        }
    }

    /** Gives what is known of a version: from the history collection, or read from IPFS. */
    @FunctionalInterface
    public interface Source {
        /**
         * @throws Undecided when it cannot be told now (no IPFS node gives it, a key that is not in the keyring): the
         *                   version is kept, and so is everything it might link to
         * @throws Exception anything else: it is not a version that can be read at all (e.g. not one of our files)
         */
        Version get(String cid) throws Exception;
    }

    /** Thrown by a {@link Source} when a version cannot be read now but may be ours. */
    public static final class Undecided extends Exception {
        public Undecided(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What to do with one candidate version, and why. */
    public record Decision(String cid, boolean keep, String reason, Version version) {
    }

    /**
     * Decides every candidate.
     *
     * @param candidates the versions that might be unpinned
     * @param roots      versions kept whatever they name (the head; for recovery, the versions the database lists)
     * @param universe   the versions that exist to be looked at (pinned, or listed in the database): links to
     *                   anything else are not followed (what is not pinned cannot be kept, and reading it could wait
     *                   for a timeout)
     * @param namesLive  whether a version names a live backup
     * @return one decision per candidate, in the candidates' order
     */
    public static Map<String, Decision> decide(Collection<String> candidates, Collection<String> roots, Set<String> universe,
                                               Predicate<Version> namesLive, Source source) {
        Walker w = new Walker(universe, source);
        for (String root : roots) {
            w.walk(root, "the head or a version the manifest database lists");
        }
        for (String c : candidates) {
            if (w.kept.containsKey(c) || !universe.contains(c)) {
                continue;
            }
            Version v = w.read(c);
            if (v != null && namesLive.test(v)) {
                w.walk(c, "it names a live backup");
            }
        }
        Map<String, Decision> out = new LinkedHashMap<>();
        for (String c : candidates) {
            String why = w.kept.get(c);
            Version v = w.read.get(c);
            if (why != null) {
                out.put(c, new Decision(c, true, why, v));
            } else if (w.undecided.containsKey(c)) {
                out.put(c, new Decision(c, true, "cannot be read now, looked at again next time: " + w.undecided.get(c), null));
            } else if (w.blind != null) {
                out.put(c, new Decision(c, true, "kept version " + w.blind + " cannot be read, so what it links to is not known", v));
            } else if (w.unreadable.containsKey(c)) {
                out.put(c, new Decision(c, false, "not a manifest that can be read: " + w.unreadable.get(c), null));
            } else {
                out.put(c, new Decision(c, false, "names no live backup and no kept version needs it", v));
            }
        }
        return out;
    }

    /** Follows the links; remembers what it read. */
    private static final class Walker {
        final Set<String> universe;
        final Source source;
        final Map<String, String> kept = new LinkedHashMap<>();
        final Map<String, Version> read = new LinkedHashMap<>();
        final Map<String, String> undecided = new LinkedHashMap<>();
        final Map<String, String> unreadable = new LinkedHashMap<>();
        /** A kept version whose link is not known (it could not be read): nothing else may go. */
        String blind;

        Walker(Set<String> universe, Source source) {
            this.universe = universe;
            this.source = source;
        }

        /** Keeps {@code start} with {@code why}, then what it needs to be read (its chain back to its checkpoint). */
        void walk(String start, String why) {
            String cid = start;
            String reason = why;
            while (cid != null && universe.contains(cid) && !kept.containsKey(cid)) {
                kept.put(cid, reason);
                Version v = read(cid);
                if (v == null) {
                    if (blind == null) {
                        blind = cid; // what it links to is not known: nothing that would otherwise go may go
                    }
                    return;
                }
                if (Boolean.TRUE.equals(v.checkpoint())) {
                    return; // a checkpoint is read alone
                }
                reason = "version " + cid + " (kept) links to it";
                cid = v.previous();
            }
        }

        /** The version, or null (then it is recorded as undecided or unreadable). */
        Version read(String cid) {
            if (read.containsKey(cid)) {
                return read.get(cid);
            }
            if (undecided.containsKey(cid) || unreadable.containsKey(cid)) {
                return null;
            }
            try {
                Version v = source.get(cid);
                read.put(cid, v);
                return v;
            } catch (Undecided e) {
                undecided.put(cid, message(e));
            } catch (Exception e) {
                unreadable.put(cid, message(e));
            }
            return null;
        }

        private static String message(Exception e) {
            return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        }
    }
}
