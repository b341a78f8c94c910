package org.ipfsbackup.recovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ipfsbackup.ipfs.ClusterPin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and resolves pins left behind by an interrupted backup (e.g. kill -9 between upload and manifest write):
 * pins that are ours (the name follows {@code org.ipfsbackup.job.BackupNames}, or the metadata says
 * {@code app=ipfs-backup}), that the manifest does not know, and that are older than a grace period (so a backup
 * running elsewhere right now is not touched). A pin that is not ours, such as {@code holiday.jpg}, is never touched.
 *
 * <p>Backup-file orphans are offered to an {@link Adopter}; one that verifies and is recorded is kept ("adopted").
 * Everything else (manifest files, which are never adopted, anything not verifying, anything whose adoption threw, and
 * pins that are ours only by metadata) is unpinned. A failing unpin is reported as "failed".
 */
public final class OrphanPins {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanPins.class);

    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    public static final String APP = "ipfs-backup";

    static final Pattern BACKUP_NAME = Pattern.compile("(full|incremental)_backup_(\\d{4}-\\d{2}-\\d{2}_\\d{6})\\.tar\\.(?:gz|zst)\\.enc");
    static final Pattern MANIFEST_NAME = Pattern.compile("manifest_(\\d{4}-\\d{2}-\\d{2}_\\d{6})\\.json\\.enc");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd_HHmmss").withResolverStyle(ResolverStyle.STRICT);

    /** What an orphan is, which decides whether adoption is tried. */
    public enum Kind {
        /** {@code full_backup_*} / {@code incremental_backup_*}: may be adopted. */
        BACKUP,
        /** {@code manifest_*}: never adopted. */
        MANIFEST,
        /** Ours by metadata only, name not ours: never adopted. */
        OTHER
    }

    private final Duration grace;
    private final Clock clock;

    public OrphanPins(Clock clock) {
        this(DEFAULT_GRACE, clock);
    }

    public OrphanPins(Duration grace, Clock clock) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace period must be zero or positive, got " + grace);
        }
        this.grace = grace;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Duration grace() {
        return grace;
    }

    /**
     * The orphans among {@code pins}, in their order, each CID once.
     *
     * @param knownCids every CID the manifest knows (backups and manifest history)
     */
    public List<ClusterPin> find(List<ClusterPin> pins, Set<String> knownCids) {
        Instant cutoff = clock.instant().minus(grace);
        Set<String> seen = new HashSet<>();
        List<ClusterPin> out = new ArrayList<>();
        for (ClusterPin p : pins) {
            if (!isOurs(p) || knownCids.contains(p.cid()) || !seen.add(p.cid())) {
                continue;
            }
            Instant made = madeAt(p);
            if (made == null) {
                LOG.debug("pin {} ({}) is ours and unknown to the manifest but its age is unknown; left alone", p.name(), p.cid());
                continue;
            }
            if (made.isBefore(cutoff)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Finds the orphans and acts on each: adopt (backup files the adopter verified and recorded), otherwise unpin.
     * Logs one line per orphan. Never throws for a single orphan; its failure is in the report.
     *
     * @param adopter may be null: then nothing is adopted
     * @return one entry per orphan, in the order of {@link #find}
     */
    public List<OrphanAction> resolve(List<ClusterPin> pins, Set<String> knownCids, Adopter adopter, Unpinner unpinner) {
        Objects.requireNonNull(unpinner, "unpinner");
        List<OrphanAction> report = new ArrayList<>();
        for (ClusterPin p : find(pins, knownCids)) {
            OrphanAction a = act(p, adopter, unpinner);
            if (a.failed()) {
                LOG.warn("orphan pin {}", a.describe());
            } else {
                LOG.info("orphan pin {}", a.describe());
            }
            report.add(a);
        }
        return report;
    }

    private static OrphanAction act(ClusterPin p, Adopter adopter, Unpinner unpinner) {
        String why;
        Kind kind = kind(p);
        if (kind == Kind.MANIFEST) {
            why = "manifest file (never adopted)";
        } else if (kind == Kind.OTHER) {
            why = "ours by metadata only, name not a backup file (never adopted)";
        } else if (adopter == null) {
            why = "no adopter";
        } else {
            try {
                if (adopter.adopt(p)) {
                    return new OrphanAction(p, OrphanAction.ADOPTED, "verified and recorded in the manifest");
                }
                why = "did not verify";
            } catch (Adopter.Deferred e) {
                return new OrphanAction(p, OrphanAction.KEPT, "left pinned for the next start: " + message(e));
            } catch (Exception e) {
                why = "adoption failed: " + message(e);
            }
        }
        try {
            unpinner.unpin(p.cid());
            return new OrphanAction(p, OrphanAction.UNPINNED, why);
        } catch (Exception e) {
            return new OrphanAction(p, OrphanAction.FAILED, "unpin failed: " + message(e) + " (was to be unpinned: " + why + ")");
        }
    }

    /** Ours: the name follows our naming, or the metadata says app=ipfs-backup. */
    public static boolean isOurs(ClusterPin p) {
        return kindByName(p.name()) != null || APP.equals(p.meta("app"));
    }

    /** The kind of one of our pins (by name; OTHER when ours by metadata only). */
    public static Kind kind(ClusterPin p) {
        Kind k = kindByName(p.name());
        return k != null ? k : Kind.OTHER;
    }

    private static Kind kindByName(String name) {
        if (BACKUP_NAME.matcher(name).matches()) {
            return Kind.BACKUP;
        }
        if (MANIFEST_NAME.matcher(name).matches()) {
            return Kind.MANIFEST;
        }
        return null;
    }

    /** When the pin was made: the cluster's timestamp, else the UTC time in the name, else the metadata timestamp. */
    static Instant madeAt(ClusterPin p) {
        if (p.timestamp() != null) {
            return p.timestamp();
        }
        Instant byName = timeInName(p.name());
        if (byName != null) {
            return byName;
        }
        String meta = p.meta("timestamp");
        if (meta != null) {
            try {
                return Instant.parse(meta);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    /** The UTC time in one of our names, e.g. {@code full_backup_2026-05-11_101741.tar.gz.enc}; null otherwise. */
    static Instant timeInName(String name) {
        for (Pattern pat : List.of(BACKUP_NAME, MANIFEST_NAME)) {
            Matcher m = pat.matcher(name);
            if (m.matches()) {
                String stamp = m.group(m.groupCount());
                try {
                    return LocalDateTime.parse(stamp, STAMP).toInstant(ZoneOffset.UTC);
                } catch (DateTimeParseException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String message(Exception e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }
}
