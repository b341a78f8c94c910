package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.Masking;

import org.ipfsbackup.mongo.MongoConnections;

import com.mongodb.ConnectionString;
import com.mongodb.ReadPreference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Configuration of the dump step. Everything the engines do (including every mongodump argument) comes from here,
 * never from message headers.
 *
 * @param mongoUri         connection string ({@code MONGODB_URI}); may hold credentials, so it is masked in
 *                         {@link #toString()} and never put on a command line
 * @param engine           {@code auto} (default: mongodump if found, else driver), {@code mongodump} or {@code driver}
 * @param includeDatabases databases to dump; empty = every database on the server but {@code local} and
 *                         {@code config} (like a whole-instance mongodump), minus the excluded ones
 * @param excludeDatabases databases not to dump; {@code null} = {@code admin, local, config} when
 *                         {@code includeDatabases} is empty, else none
 * @param readPreference   read preference mode; {@code null} = the URI's {@code readPreference} if it sets one, else
 *                         {@code secondary}
 * @param timeout          limit for one whole dump ({@code null} = 6 hours); a mongodump process still running then is
 *                         killed
 * @param mongodumpPath    mongodump executable: a bare name is looked up on {@code PATH}; {@code null} = "mongodump"
 * @param oplog            record the oplog window a full dump is consistent with (replica sets only)
 */
public record DumpSettings(String mongoUri, String engine, List<String> includeDatabases, List<String> excludeDatabases,
                           String readPreference, Duration timeout, String mongodumpPath, boolean oplog) {

    public static final String ENGINE_AUTO = "auto";
    public static final String ENGINE_MONGODUMP = "mongodump";
    public static final String ENGINE_DRIVER = "driver";
    public static final List<String> DEFAULT_EXCLUDED = List.of("admin", "local", "config");
    public static final String DEFAULT_READ_PREFERENCE = "secondary";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(6);
    public static final String DEFAULT_MONGODUMP = "mongodump";

    private static final List<String> READ_PREFERENCES =
            List.of("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest");

    public DumpSettings {
        if (mongoUri == null || mongoUri.isBlank()) {
            throw new IllegalArgumentException("MONGODB_URI is required (mongodb:// or mongodb+srv:// connection string)");
        }
        mongoUri = mongoUri.strip();
        ConnectionString cs;
        try {
            cs = org.ipfsbackup.mongo.MongoConnections.connectionString(mongoUri);
            org.ipfsbackup.mongo.MongoConnections.tls(mongoUri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("MONGODB_URI is not a valid MongoDB connection string ("
                    + Masking.forUri(mongoUri).mask(e.getMessage()) + "): " + Masking.maskUri(mongoUri));
        }

        String e = engine == null || engine.isBlank() ? ENGINE_AUTO : engine.strip().toLowerCase(Locale.ROOT);
        if (!List.of(ENGINE_AUTO, ENGINE_MONGODUMP, ENGINE_DRIVER).contains(e)) {
            throw new IllegalArgumentException("dump.engine must be one of auto, mongodump, driver; got: " + engine);
        }
        engine = e;

        includeDatabases = databaseNames("dump.includeDatabases", includeDatabases);
        excludeDatabases = excludeDatabases == null
                ? (includeDatabases.isEmpty() ? DEFAULT_EXCLUDED : List.of())
                : databaseNames("dump.excludeDatabases", excludeDatabases);
        for (String db : includeDatabases) {
            if (excludeDatabases.contains(db)) {
                throw new IllegalArgumentException("database '" + db
                        + "' is named in both dump.includeDatabases and dump.excludeDatabases");
            }
        }

        String fromUri = cs.getReadPreference() == null ? null : cs.getReadPreference().getName();
        if (readPreference == null || readPreference.isBlank()) {
            readPreference = fromUri != null ? fromUri : DEFAULT_READ_PREFERENCE;
        } else {
            readPreference = readPreference.strip();
            String canonical = READ_PREFERENCES.stream().filter(readPreference::equalsIgnoreCase).findFirst().orElse(null);
            if (canonical == null) {
                throw new IllegalArgumentException("dump.readPreference must be one of " + String.join(", ", READ_PREFERENCES)
                        + "; got: " + readPreference);
            }
            readPreference = canonical;
            if (fromUri != null && !fromUri.equals(readPreference)) {
                throw new IllegalArgumentException("dump.readPreference (" + readPreference
                        + ") contradicts readPreference=" + fromUri + " in MONGODB_URI; set it in one place only");
            }
        }

        if (timeout == null) {
            timeout = DEFAULT_TIMEOUT;
        } else if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("dump.timeout must be positive; got: " + timeout);
        }

        if (mongodumpPath == null || mongodumpPath.isBlank()) {
            mongodumpPath = DEFAULT_MONGODUMP;
        } else {
            mongodumpPath = mongodumpPath.strip();
            if (mongodumpPath.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("dump.mongodumpPath contains a NUL character");
            }
        }
    }

    /** Defaults for everything but the URI. */
    public static DumpSettings of(String mongoUri) {
        return new DumpSettings(mongoUri, null, null, null, null, null, null, true);
    }

    public DumpSettings withEngine(String engine) {
        return new DumpSettings(mongoUri, engine, includeDatabases, excludeDatabases, readPreference, timeout, mongodumpPath, oplog);
    }

    /** Include/exclude as given; {@code exclude == null} picks the default described on the record. */
    public DumpSettings withDatabases(List<String> include, List<String> exclude) {
        return new DumpSettings(mongoUri, engine, include, exclude, readPreference, timeout, mongodumpPath, oplog);
    }

    public DumpSettings withReadPreference(String readPreference) {
        return new DumpSettings(mongoUri, engine, includeDatabases, excludeDatabases, readPreference, timeout, mongodumpPath, oplog);
    }

    public DumpSettings withTimeout(Duration timeout) {
        return new DumpSettings(mongoUri, engine, includeDatabases, excludeDatabases, readPreference, timeout, mongodumpPath, oplog);
    }

    public DumpSettings withMongodumpPath(String mongodumpPath) {
        return new DumpSettings(mongoUri, engine, includeDatabases, excludeDatabases, readPreference, timeout, mongodumpPath, oplog);
    }

    public DumpSettings withOplog(boolean oplog) {
        return new DumpSettings(mongoUri, engine, includeDatabases, excludeDatabases, readPreference, timeout, mongodumpPath, oplog);
    }

    /** Whether the URI itself sets a read preference (then mongodump gets it from the URI, not from a flag). */
    public boolean readPreferenceFromUri() {
        return org.ipfsbackup.mongo.MongoConnections.connectionString(mongoUri).getReadPreference() != null;
    }

    public ReadPreference driverReadPreference() {
        return ReadPreference.valueOf(readPreference);
    }

    /**
     * The databases of {@code onServer} this configuration selects, sorted by name: the included ones (all if none
     * are), minus the excluded ones. As with mongodump, {@code local} and {@code config} are only ever dumped when
     * named in {@code includeDatabases}.
     */
    public List<String> select(List<String> onServer) {
        List<String> out = new ArrayList<>();
        for (String db : onServer) {
            boolean included = includeDatabases.isEmpty()
                    ? !db.equals("local") && !db.equals("config")
                    : includeDatabases.contains(db);
            if (included && !excludeDatabases.contains(db)) {
                out.add(db);
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public String toString() {
        return "DumpSettings[mongoUri=" + Masking.maskUri(mongoUri) + ", engine=" + engine + ", includeDatabases="
                + includeDatabases + ", excludeDatabases=" + excludeDatabases + ", readPreference=" + readPreference
                + ", timeout=" + timeout + ", mongodumpPath=" + mongodumpPath + ", oplog=" + oplog + "]";
    }

    private static List<String> databaseNames(String setting, List<String> names) {
        if (names == null) {
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (String raw : names) {
            String n = raw == null ? "" : raw.strip();
            if (n.isEmpty()) {
                continue;
            }
            if (n.length() > 63 || n.chars().anyMatch(c -> "/\\. \"$*<>:|?".indexOf(c) >= 0 || c < 0x20)) {
                throw new IllegalArgumentException(setting + ": not a valid database name: '" + raw + "'");
            }
            out.add(n);
        }
        return List.copyOf(out);
    }
}
