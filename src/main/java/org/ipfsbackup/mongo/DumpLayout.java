package org.ipfsbackup.mongo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The on-disk layout of {@code mongodump --out} (mongo-tools 100.x), written by both dump engines and read by both
 * restore engines: {@code <db>/<coll>.bson} and {@code <db>/<coll>.metadata.json} per collection (a view has only
 * metadata), and an optional top-level {@code oplog.bson}. File names are {@link #fileBase escaped} collection names;
 * {@link #unescape} turns them back. A {@link #scan scanned} directory lists databases and collections in name order;
 * files mongodump wrote with {@code --gzip} are refused.
 *
 * @param entries      the dumped collections and views
 * @param oplogPresent whether {@code oplog.bson} is there
 */
public record DumpLayout(List<Entry> entries, boolean oplogPresent) {

    public static final String OPLOG_FILE = "oplog.bson";
    public static final String BSON = ".bson";
    public static final String METADATA = ".metadata.json";
    /** Upper bound for one BSON document in a dump file (16 MiB documents, oplog entries slightly more). */
    public static final int MAX_DOCUMENT = 48 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
    private static final Set<String> CONFIG_SKIPPED = Set.of("transactions", "system.sessions", "transaction_coordinators",
            "system.indexBuilds", "image_collection", "mongos", "system.preimages");

    /** mongodump's {@code shouldSkipSystemNamespace}: namespaces a dump never contains. */
    public static boolean skipSystemNamespace(String db, String coll) {
        switch (db) {
            case "admin":
                if (coll.equals("system.keys")) {
                    return true;
                }
                break;
            case "config":
                if (CONFIG_SKIPPED.contains(coll) || coll.startsWith("cache.")) {
                    return true;
                }
                break;
            default:
                if (coll.equals("system.js")) {
                    return false;
                }
                if (coll.startsWith("system.")) {
                    return true;
                }
        }
        return coll.contains("$") && !coll.contains(".oplog.$");
    }

    /**
     * File name (without extension) mongodump uses for a collection: Go's {@code url.QueryEscape} of the name
     * (mongo-tools' {@code util.EscapeCollectionName}: a space becomes {@code +}, as the real mongodump 100.10.0 names
     * {@code "odd name/with%chars"} {@code odd+name%2Fwith%25chars}), and for
     * names longer than 238 bytes escaped, the first 208 bytes + {@code %24} + unpadded base64url of its SHA-1.
     */
    public static String fileBase(String coll) {
        byte[] utf8 = coll.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(utf8.length + 8);
        for (byte b : utf8) {
            int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-_.~".indexOf(c) >= 0) {
                sb.append((char) c);
            } else if (c == ' ') {
                sb.append('+');
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        if (sb.length() <= 238) {
            return sb.toString();
        }
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(utf8);
            return sb.substring(0, 208) + "%24" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 32 lower-case hex digits of a collection's {@code info.uuid}, or {@code null}. */
    public static String uuidHex(BsonDocument collectionInfo) {
        BsonValue info = collectionInfo.get("info");
        if (info == null || !info.isDocument()) {
            return null;
        }
        BsonValue uuid = info.asDocument().get("uuid");
        if (uuid == null || !uuid.isBinary()) {
            return null;
        }
        BsonBinary bin = uuid.asBinary();
        return HexFormat.of().formatHex(bin.getData());
    }

    /**
     * mongodump's metadata document, as compact canonical Extended JSON v2, fields in its order:
     * {@code options} (only if non-empty), {@code indexes}, {@code uuid} (if known), {@code collectionName},
     * {@code type} (if known).
     */
    public static String metadataJson(BsonDocument options, List<BsonDocument> indexes, String uuid, String collectionName,
                               String type) {
        BsonDocument meta = new BsonDocument();
        if (options != null && !options.isEmpty()) {
            meta.append("options", options);
        }
        meta.append("indexes", new BsonArray(indexes));
        if (uuid != null && !uuid.isEmpty()) {
            meta.append("uuid", new BsonString(uuid));
        }
        meta.append("collectionName", new BsonString(collectionName));
        if (type != null && !type.isEmpty()) {
            meta.append("type", new BsonString(type));
        }
        String spaced = meta.toJson(CANONICAL);
        try {
            // the driver's writer puts a space after ':' and ','; mongodump writes compact JSON
            return JSON.writeValueAsString(JSON.readTree(spaced));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot re-encode metadata JSON", e);
        }
    }

    public static void writeMetadata(Path file, BsonDocument options, List<BsonDocument> indexes, String uuid,
                              String collectionName, String type) throws IOException {
        Files.writeString(file, metadataJson(options, indexes, uuid, collectionName, type), StandardCharsets.UTF_8);
    }

    /** Writes one document's bytes as they came from the server. */
    public static int write(OutputStream out, RawBsonDocument doc) throws IOException {
        ByteBuffer nio = doc.getByteBuffer().asNIO();
        int n = nio.remaining();
        if (nio.hasArray()) {
            out.write(nio.array(), nio.arrayOffset() + nio.position(), n);
        } else {
            byte[] copy = new byte[n];
            nio.get(copy);
            out.write(copy);
        }
        return n;
    }

    /** Number of documents in a {@code .bson} file, from the length prefixes alone (nothing else is read). */
    public static long countDocuments(Path file) throws IOException {
        long count = 0;
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long pos = 0;
            while (pos < size) {
                len.clear();
                while (len.hasRemaining()) {
                    if (ch.read(len, pos + len.position()) < 0) {
                        throw new EOFException(file + ": truncated BSON length at offset " + pos);
                    }
                }
                int n = len.getInt(0);
                if (n < 5 || n > MAX_DOCUMENT) {
                    throw new IOException(file + ": corrupt BSON document length " + n + " at offset " + pos);
                }
                if (pos + n > size) {
                    throw new EOFException(file + ": truncated BSON: the document at offset " + pos + " has " + n
                            + " bytes, the file ends after " + (size - pos));
                }
                pos += n;
                count++;
            }
        }
        return count;
    }

    /** Streams the documents of a {@code .bson} file, one at a time; returns how many there were. */
    public static long forEachDocument(Path file, Consumer<RawBsonDocument> action) throws IOException {
        long count = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] lenBytes = new byte[4];
            while (true) {
                int first = in.readNBytes(lenBytes, 0, 4);
                if (first == 0) {
                    return count;
                }
                if (first < 4) {
                    throw new EOFException(file + ": truncated BSON length after " + count + " documents");
                }
                int n = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getInt();
                if (n < 5 || n > MAX_DOCUMENT) {
                    throw new IOException(file + ": corrupt BSON document length " + n + " after " + count + " documents");
                }
                byte[] doc = new byte[n];
                System.arraycopy(lenBytes, 0, doc, 0, 4);
                if (in.readNBytes(doc, 4, n - 4) != n - 4) {
                    throw new EOFException(file + ": truncated BSON document after " + count + " documents");
                }
                action.accept(new RawBsonDocument(doc));
                count++;
            }
        }
    }

    /** {@code ts} of an oplog entry. */
    public static OplogPosition ts(BsonDocument entry) {
        BsonValue ts = entry.get("ts");
        if (ts == null || !ts.isTimestamp()) {
            throw new IllegalStateException("oplog entry without a timestamp ts field");
        }
        return OplogPosition.of((BsonTimestamp) ts);
    }

    /**
     * mongodump's {@code oplogDocumentValidator} for the oplog captured alongside a full dump: entries that make the
     * captured window impossible to replay consistently. Returns the problem, or {@code null}.
     */
    public static String oplogEntryProblem(BsonDocument entry) {
        BsonValue ns = entry.get("ns");
        String nsStr = ns != null && ns.isString() ? ns.asString().getValue() : null;
        if ("admin.system.version".equals(nsStr)) {
            return "cannot dump with oplog if admin.system.version is modified (at " + ts(entry) + ")";
        }
        BsonValue o = entry.get("o");
        if (o != null && o.isDocument()) {
            BsonDocument od = o.asDocument();
            if (od.containsKey("renameCollection")) {
                return "cannot dump with oplog while renames occur (renameCollection at " + ts(entry) + ")";
            }
            if (od.containsKey("importCollection")) {
                return "cannot dump with oplog while importCollection occurs (at " + ts(entry) + ")";
            }
            if (nsStr != null && nsStr.startsWith("config.")) {
                BsonValue create = od.get("create");
                if (create != null && create.isString() && List.of("reshardingOperations",
                        "localReshardingOperations.donor", "localReshardingOperations.recipient")
                        .contains(create.asString().getValue())) {
                    return "cannot dump with oplog while resharding";
                }
            }
        }
        return null;
    }

    /** Summary of a dump directory, read back from disk. */
    public record Stats(int collections, long documents, long bytes, long oplogOperations) {
    }

    /**
     * Counts what a dump directory holds: one namespace per {@code <db>/*.metadata.json}, documents and bytes of
     * {@code <db>/*.bson}, entries (and bytes) of {@code oplog.bson}.
     */
    public static Stats stats(Path outDir) throws IOException {
        int collections = 0;
        long documents = 0;
        long bytes = 0;
        long oplog = 0;
        Path oplogFile = outDir.resolve(OPLOG_FILE);
        if (Files.isRegularFile(oplogFile)) {
            oplog = countDocuments(oplogFile);
            bytes += Files.size(oplogFile);
        }
        try (DirectoryStream<Path> dbs = Files.newDirectoryStream(outDir, Files::isDirectory)) {
            for (Path db : dbs) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(db, Files::isRegularFile)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        if (name.endsWith(METADATA)) {
                            collections++;
                        } else if (name.endsWith(BSON)) {
                            documents += countDocuments(f);
                            bytes += Files.size(f);
                        }
                    }
                }
            }
        }
        return new Stats(collections, documents, bytes, oplog);
    }

    /**
     * What is wrong with a dump directory a tool reported as complete, or {@code null}: every {@code .bson} file must
     * hold whole BSON documents, every collection's {@code .metadata.json} must be readable JSON with its data file
     * beside it (views have none; a time-series collection's is {@code system.buckets.<name>.bson}), every data file
     * must have its metadata, and {@code oplog.bson} must be there when {@code expectOplog}.
     */
    public static String incompleteness(Path outDir, boolean expectOplog) throws IOException {
        Path oplogFile = outDir.resolve(OPLOG_FILE);
        if (expectOplog && !Files.isRegularFile(oplogFile)) {
            return "no " + OPLOG_FILE + " although the dump was asked to capture the oplog";
        }
        try {
            if (Files.isRegularFile(oplogFile)) {
                countDocuments(oplogFile);
            }
            try (DirectoryStream<Path> dbs = Files.newDirectoryStream(outDir, Files::isDirectory)) {
                for (Path db : dbs) {
                    Set<String> names = new java.util.TreeSet<>();
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(db, Files::isRegularFile)) {
                        files.forEach(f -> names.add(f.getFileName().toString()));
                    }
                    for (String name : names) {
                        Path f = db.resolve(name);
                        if (name.endsWith(METADATA)) {
                            String base = name.substring(0, name.length() - METADATA.length());
                            BsonDocument meta;
                            try {
                                meta = BsonDocument.parse(Files.readString(f, StandardCharsets.UTF_8));
                            } catch (RuntimeException e) {
                                return f + " is not readable metadata JSON (" + e.getMessage() + ")";
                            }
                            String type = meta.get("type") instanceof BsonString t ? t.getValue() : "";
                            String data = type.equals("timeseries") ? "system.buckets." + base : base;
                            if (!type.equals("view") && !names.contains(data + BSON)) {
                                return db.getFileName() + "/" + name + " has no data file " + data + BSON;
                            }
                        } else if (name.endsWith(BSON)) {
                            String base = name.substring(0, name.length() - BSON.length());
                            String owner = base.startsWith("system.buckets.") ? base.substring("system.buckets.".length()) : base;
                            if (!names.contains(base + METADATA) && !names.contains(owner + METADATA)) {
                                return db.getFileName() + "/" + name + " has no " + base + METADATA;
                            }
                            countDocuments(f);
                        }
                    }
                }
            }
        } catch (EOFException e) {
            return e.getMessage();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("corrupt BSON")) {
                return e.getMessage();
            }
            throw e;
        }
        return null;
    }

    /**
     * One dumped collection or view.
     *
     * @param database   database name (the directory's name)
     * @param collection collection name ({@code collectionName} from the metadata if present, else the file
     *                   name with mongodump's %XX escapes decoded)
     * @param bsonFile   the documents, or {@code null}
     * @param metadata   parsed metadata.json, or {@code null}
     */
    public record Entry(String database, String collection, Path bsonFile, BsonDocument metadata) {

        public String namespace() {
            return database + "." + collection;
        }

        public String type() {
            BsonValue type = metadata == null ? null : metadata.get("type");
            return type != null && type.isString() ? type.asString().getValue() : "collection";
        }

        public BsonDocument options() {
            BsonValue options = metadata == null ? null : metadata.get("options");
            return options != null && options.isDocument() ? options.asDocument() : new BsonDocument();
        }

        public List<BsonDocument> indexes() {
            List<BsonDocument> result = new ArrayList<>();
            BsonValue indexes = metadata == null ? null : metadata.get("indexes");
            if (indexes != null && indexes.isArray()) {
                for (BsonValue index : indexes.asArray()) {
                    result.add(index.asDocument());
                }
            }
            return result;
        }
    }

    public static DumpLayout scan(Path dumpDir) throws IOException {
        if (!Files.isDirectory(dumpDir)) {
            throw new IOException("dump directory does not exist: " + dumpDir);
        }
        List<Entry> entries = new ArrayList<>();
        boolean oplog = false;
        for (Path child : sorted(dumpDir)) {
            String name = child.getFileName().toString();
            if (Files.isDirectory(child)) {
                entries.addAll(scanDatabase(child, name));
            } else if (name.equals(OPLOG_FILE)) {
                oplog = true;
            } else if (name.equals(OPLOG_FILE + ".gz")) {
                throw gzipped(child);
            }
        }
        return new DumpLayout(entries, oplog);
    }

    private static List<Entry> scanDatabase(Path dir, String database) throws IOException {
        Map<String, Path[]> byStem = new TreeMap<>(); // stem -> {bson, metadata}
        for (Path file : sorted(dir)) {
            String name = file.getFileName().toString();
            if (name.endsWith(BSON + ".gz") || name.endsWith(METADATA + ".gz")) {
                throw gzipped(file);
            } else if (name.endsWith(METADATA)) {
                byStem.computeIfAbsent(name.substring(0, name.length() - METADATA.length()), k -> new Path[2])[1] = file;
            } else if (name.endsWith(BSON)) {
                byStem.computeIfAbsent(name.substring(0, name.length() - BSON.length()), k -> new Path[2])[0] = file;
            }
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Path[]> e : byStem.entrySet()) {
            Path metadataFile = e.getValue()[1];
            BsonDocument metadata = metadataFile == null ? null : readMetadata(metadataFile);
            String collection = collectionName(e.getKey(), metadata);
            entries.add(new Entry(database, collection, e.getValue()[0], metadata));
        }
        return entries;
    }

    /** The collection a file stem stands for: the metadata's {@code collectionName} if there is one, else {@link #unescape}. */
    public static String collectionName(String stem, BsonDocument metadata) {
        BsonValue named = metadata == null ? null : metadata.get("collectionName");
        return named != null && named.isString() ? named.asString().getValue() : unescape(stem);
    }

    /** A {@code .metadata.json} file, parsed; an unreadable one is an {@link IOException} naming the file. */
    public static BsonDocument readMetadata(Path file) throws IOException {
        try {
            return BsonDocument.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IOException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The collection name a {@link #fileBase file base} stands for: the inverse of Go's {@code url.QueryEscape}
     * ({@code +} is a space, {@code %XX} a byte of the UTF-8 name); a {@code %} not followed by two hex digits stays
     * as it is. A name longer than 238 escaped bytes was cut and hashed: only its metadata's {@code collectionName}
     * gives it back.
     */
    public static String unescape(String stem) {
        if (stem.indexOf('%') < 0 && stem.indexOf('+') < 0) {
            return stem;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(stem.length());
        for (int i = 0; i < stem.length(); ) {
            int c = stem.codePointAt(i);
            if (c == '%' && i + 2 < stem.length() && isHex(stem.charAt(i + 1)) && isHex(stem.charAt(i + 2))) {
                bytes.write(Integer.parseInt(stem.substring(i + 1, i + 3), 16));
                i += 3;
                continue;
            }
            byte[] utf8 = c == '+' ? new byte[] {' '} : Character.toString(c).getBytes(StandardCharsets.UTF_8);
            bytes.write(utf8, 0, utf8.length);
            i += Character.charCount(c);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    private static IOException gzipped(Path file) {
        return new IOException("compressed dump file " + file + " is not supported: dump without --gzip (the backup archive is compressed as a whole)");
    }

    private static List<Path> sorted(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return children;
    }
}
