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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ipfsbackup.ipfs.ClusterPin;
import org.ipfsbackup.manifest.ManifestVersions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and resolves pins left behind by an interrupted backup (e.g. kill -9 between upload and manifest write):
 * pins that are ours (the name follows {@code org.ipfsbackup.job.BackupNames}, or the metadata says
 * {@code app=ipfs-backup}), that the manifest does not know, and that are older than a grace period (so a backup
 * running elsewhere right now is not touched). A pin that is not ours, such as {@code holiday.jpg}, is never touched.
 *
 * <p>Backup-file orphans are offered to an {@link Adopter}; one that verifies and is recorded is kept ("adopted").
 * Manifest files are never adopted: a {@link ManifestKeeper} decides them after the backup files, keeping every
 * version that is still needed ({@link ManifestVersions}). Everything else (anything not verifying, anything whose
 * adoption threw, pins that are ours only by metadata, manifest versions no longer needed) is unpinned. A failing
 * unpin is reported as "failed".
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
     * Logs one line per orphan. Never throws for a single orphan; its failure is in the report. Manifest files are
     * unpinned (use the overload with a {@link ManifestKeeper} to keep the versions that are still needed).
     *
     * @param adopter may be null: then nothing is adopted
     * @return one entry per orphan, in the order of {@link #find}
     */
    public List<OrphanAction> resolve(List<ClusterPin> pins, Set<String> knownCids, Adopter adopter, Unpinner unpinner) {
        return resolve(pins, knownCids, adopter, null, unpinner);
    }

    /**
     * As {@link #resolve(List, Set, Adopter, Unpinner)}, but the manifest files are decided by {@code keeper}, after
     * every other orphan (so it knows which backups were adopted and which were unpinned): those it keeps stay pinned
     * ("kept", with its reason), the rest are unpinned with its reason.
     *
     * @param keeper may be null: then every manifest file is unpinned
     */
    public List<OrphanAction> resolve(List<ClusterPin> pins, Set<String> knownCids, Adopter adopter, ManifestKeeper keeper,
                                      Unpinner unpinner) {
        Objects.requireNonNull(unpinner, "unpinner");
        List<ClusterPin> found = find(pins, knownCids);
        Map<String, OrphanAction> done = new HashMap<>();
        Set<String> unpinned = new HashSet<>();
        List<ClusterPin> manifests = new ArrayList<>();
        for (ClusterPin p : found) {
            if (keeper != null && kind(p) == Kind.MANIFEST) {
                manifests.add(p);
                continue;
            }
            OrphanAction a = log(act(p, adopter, unpinner));
            done.put(p.cid(), a);
            if (a.unpinned()) {
                unpinned.add(p.cid());
            }
        }
        if (!manifests.isEmpty()) {
            Map<String, ManifestVersions.Decision> decisions;
            String failure = null;
            try {
                decisions = keeper.decide(manifests, unpinned);
            } catch (RuntimeException e) {
                decisions = Map.of();
                failure = message(e);
            }
            for (ClusterPin p : manifests) {
                ManifestVersions.Decision d = decisions.get(p.cid());
                OrphanAction a;
                if (failure != null) {
                    a = new OrphanAction(p, OrphanAction.KEPT, "left pinned for the next start: whether it is still needed could not be "
                            + "decided (" + failure + ")");
                } else if (d != null && d.keep()) {
                    a = new OrphanAction(p, OrphanAction.KEPT, "manifest version still needed: " + d.reason());
                } else {
                    a = unpin(p, unpinner, "manifest file: " + (d == null ? "not decided" : d.reason()));
                }
                done.put(p.cid(), log(a));
            }
        }
        List<OrphanAction> report = new ArrayList<>();
        for (ClusterPin p : found) {
            report.add(done.get(p.cid()));
        }
        return report;
    }

    private static OrphanAction log(OrphanAction a) {
        if (a.failed()) {
            LOG.warn("orphan pin {}", a.describe());
        } else {
            LOG.info("orphan pin {}", a.describe());
        }
        return a;
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
        return unpin(p, unpinner, why);
    }

    private static OrphanAction unpin(ClusterPin p, Unpinner unpinner, String why) {
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
