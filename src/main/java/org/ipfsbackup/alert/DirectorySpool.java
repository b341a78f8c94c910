package org.ipfsbackup.alert;

import org.ipfsbackup.mongo.Masking;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON file per kept alert in a directory, so alerts survive restarts. Each file is written to a temporary
 * name, forced to disk and renamed into place, so a reader never sees half an alert. The id is the file name
 * ({@code <epoch-ms>-<seq>-<random>.json}, which sorts oldest first). A file that cannot be read as an alert is moved
 * to {@code corrupt/} and logged, never deleted. Free texts are scrubbed of secrets before they reach the disk.
 */
public final class DirectorySpool implements AlertSpool {
    static final String CORRUPT_DIR = "corrupt";
    static final int FORMAT_VERSION = 1;

    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.alert");
    /** Ids this spool hands out match {@code \d{13}-\d{6}-[0-9a-f]{8}\.json}; any plain {@code *.json} name is accepted back. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*\\.json");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final Clock clock;
    private final Masking masking;

    /** What a spool file holds. */
    record Stored(int version, Instant keptAt, String reason, int attempts, Alert alert) {
    }

    public DirectorySpool(Path dir) {
        this(dir, Clock.systemUTC(), Masking.PATTERNS);
    }

    /** Creates the directory (owner-only where POSIX permissions exist) if it does not exist. */
    public DirectorySpool(Path dir, Clock clock, Masking masking) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.masking = Objects.requireNonNull(masking, "masking");
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                ownerOnly(dir, "rwx------");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("alert spool directory " + dir + " cannot be created", e);
        }
    }

    public Path directory() {
        return dir;
    }

    @Override
    public String keep(Alert a, String reason) {
        Instant now = clock.instant();
        String id = String.format("%013d-%06d-%s.json", now.toEpochMilli(), SEQUENCE.getAndIncrement() % 1_000_000,
                UUID.randomUUID().toString().substring(0, 8));
        write(id, new Stored(FORMAT_VERSION, now, masking.mask(reason), 1, a.masked(masking)));
        return id;
    }

    @Override
    public List<SpooledAlert> pending() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("alert spool directory " + dir + " cannot be listed", e);
        }
        files.sort(null);
        List<SpooledAlert> out = new ArrayList<>();
        for (Path p : files) {
            String id = p.getFileName().toString();
            try {
                Stored s = read(p);
                out.add(new SpooledAlert(id, s.alert(), s.reason(), s.attempts()));
            } catch (NoSuchFileException gone) {
                // sent by someone else meanwhile
            } catch (IOException | RuntimeException e) {
                moveAside(p, e);
            }
        }
        return out;
    }

    @Override
    public synchronized void sent(String id) {
        try {
            Files.deleteIfExists(file(id));
        } catch (IOException e) {
            throw new UncheckedIOException("spooled alert " + id + " cannot be removed from " + dir, e);
        }
    }

    @Override
    public synchronized void failedAgain(String id, String reason) {
        Path p = file(id);
        Stored s;
        try {
            s = read(p);
        } catch (NoSuchFileException gone) {
            return;
        } catch (IOException | RuntimeException e) {
            moveAside(p, e);
            return;
        }
        write(id, new Stored(FORMAT_VERSION, s.keptAt(), masking.mask(reason), s.attempts() + 1, s.alert()));
    }

    /** Files moved aside because they could not be read as alerts (for an operator to look at). */
    public List<Path> corrupt() {
        Path aside = dir.resolve(CORRUPT_DIR);
        if (!Files.isDirectory(aside)) {
            return List.of();
        }
        try (var s = Files.list(aside)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + aside, e);
        }
    }

    private Path file(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an alert spool id: '" + id + "'");
        }
        return dir.resolve(id);
    }

    private static Stored read(Path p) throws IOException {
        Stored s = JSON.readValue(Files.readAllBytes(p), Stored.class);
        if (s == null || s.alert() == null || s.attempts() < 1 || s.version() != FORMAT_VERSION) {
            throw new IOException("not a spooled alert of format version " + FORMAT_VERSION);
        }
        return s;
    }

    private void write(String id, Stored s) {
        Path tmp = dir.resolve("." + id + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ownerOnly(tmp, "rw-------");
                OutputStream out = Channels.newOutputStream(ch);
                JSON.writeValue(nonClosing(out), s);
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(id), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temporary name is never read as an alert
            }
            throw new UncheckedIOException("alert cannot be kept in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void moveAside(Path p, Exception why) {
        Path aside = dir.resolve(CORRUPT_DIR);
        try {
            Files.createDirectories(aside);
            Path target = aside.resolve(p.getFileName());
            if (Files.exists(target)) {
                target = aside.resolve(p.getFileName() + "." + clock.millis() + "-" + UUID.randomUUID().toString().substring(0, 8));
            }
            Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
            LOG.warn("alert spool: {} is not a readable alert ({}); moved to {} for inspection",
                    p.getFileName(), masking.mask(why.getMessage()), target);
        } catch (NoSuchFileException gone) {
            // already moved or sent by someone else
        } catch (IOException e) {
            LOG.warn("alert spool: {} is not a readable alert ({}) and cannot be moved aside: {}",
                    p.getFileName(), masking.mask(why.getMessage()), e.getMessage());
        }
    }

    private static void ownerOnly(Path p, String perms) throws IOException {
        if (Files.getFileStore(p).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        }
    }

    /** Jackson closes the stream it writes to; the channel must stay open until it is forced. */
    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
