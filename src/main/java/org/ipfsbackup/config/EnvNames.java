package org.ipfsbackup.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment variables the application reads: every {@code {{env:NAME}}} of the packaged application.properties
 * plus the ones read directly (secrets, log and file locations). A variable that looks like ours (same prefix) but is
 * none of them is most likely a typo or a name from another tool's documentation: {@link #unknown} names it with the
 * closest known one, so start-up can warn about it.
 */
public final class EnvNames {
    /** Prefixes of the variables this application reads; others (PATH, HOME, ...) are not ours to judge. */
    static final List<String> PREFIXES = List.of("IPFS_", "BACKUP_", "MONGODB_", "ALERT_", "MANIFEST_", "RETENTION_",
            "DUMP_", "RESTORE_", "WATCHDOG_", "VERIFICATION_", "HAWTIO_", "MANAGEMENT_", "ENCRYPTION_", "FULL_BACKUP_",
            "INCREMENTAL_", "RECOVERY_", "PITR_");
    /** Read directly, not through application.properties (secrets also as NAME_FILE). */
    static final List<String> DIRECT = List.of("BACKUP_ENCRYPTION_KEY", "BACKUP_ENCRYPTION_OLD_KEYS", "IPFS_CLUSTER_PASSWORD",
            "IPFS_CLUSTER_TOKEN", "ALERT_SMTP_PASSWORD", "ALERT_WEBHOOK_URL", "BACKUP_CONFIG", "BACKUP_ROUTES_DIR",
            "BACKUP_LOG_FORMAT", "BACKUP_LOG_DIR", "IPFS_BACKUP_LOG_LEVEL", "BACKUP_PROGRESS_INTERVAL");
    private static final Set<String> SECRETS = Set.of("BACKUP_ENCRYPTION_KEY", "BACKUP_ENCRYPTION_OLD_KEYS", "IPFS_CLUSTER_PASSWORD",
            "IPFS_CLUSTER_TOKEN", "ALERT_SMTP_PASSWORD", "ALERT_WEBHOOK_URL");
    /** Other programs' variables with our prefixes (Kubo, IPFS Cluster, the dev stack), never warned about. */
    static final Set<String> OTHERS = Set.of("IPFS_PATH", "IPFS_LOGGING", "IPFS_LOGGING_FMT", "IPFS_FD_MAX", "IPFS_GATEWAY",
            "IPFS_GATEWAY_1", "IPFS_GATEWAY_2", "IPFS_CLUSTER_PATH", "IPFS_NS_MAP", "IPFS_DIST_PATH", "IPFS_TELEMETRY",
            "RESTORE_MONGODB_URI");
    private static final Pattern ENV = Pattern.compile("\\{\\{env:([A-Z0-9_]+)");

    private final Set<String> known;

    public EnvNames(Set<String> known) {
        this.known = Set.copyOf(known);
    }

    /** The names of the packaged application.properties plus the ones read directly. */
    public static EnvNames packaged() {
        try (InputStream in = EnvNames.class.getResourceAsStream("/application.properties")) {
            if (in == null) {
                throw new IllegalStateException("application.properties is not on the classpath");
            }
            return fromProperties(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static EnvNames fromProperties(String text) {
        Set<String> names = new TreeSet<>(DIRECT);
        Matcher m = ENV.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return new EnvNames(names);
    }

    public Set<String> known() {
        return known;
    }

    /** One sentence per variable that has our prefix but is not known, naming the closest known variable. */
    public List<String> unknown(Map<String, String> env) {
        List<String> warnings = new ArrayList<>();
        for (String name : new TreeSet<>(env.keySet())) {
            if (known.contains(name) || OTHERS.contains(name) || PREFIXES.stream().noneMatch(name::startsWith)
                    || (name.endsWith("_FILE") && SECRETS.contains(name.substring(0, name.length() - 5)))) {
                continue;
            }
            warnings.add("environment variable " + name + " is not read by ipfs-backup"
                    + closest(name).map(c -> "; did you mean " + c + "?").orElse(" (see docs/configuration.md)"));
        }
        return warnings;
    }

    /** The known name nearest to {@code name} (edit distance), when one is reasonably near. */
    public Optional<String> closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : new TreeSet<>(known)) {
            int d = distance(name, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(3, name.length() / 2) ? Optional.of(best) : Optional.empty();
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
