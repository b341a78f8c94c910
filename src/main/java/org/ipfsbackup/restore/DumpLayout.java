package org.ipfsbackup.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The contents of a mongodump directory: {@code <db>/<coll>.bson} and {@code <db>/<coll>.metadata.json} per
 * collection (a view has only metadata), and an optional top-level {@code oplog.bson}. Databases and
 * collections are listed in name order. Files mongodump wrote with {@code --gzip} are refused.
 */
record DumpLayout(List<Entry> entries, boolean oplogPresent) {

    static final String OPLOG_FILE = "oplog.bson";
    private static final String BSON = ".bson";
    private static final String METADATA = ".metadata.json";

    /**
     * One dumped collection or view.
     *
     * @param database   database name (the directory's name)
     * @param collection collection name ({@code collectionName} from the metadata if present, else the file
     *                   name with mongodump's %XX escapes decoded)
     * @param bsonFile   the documents, or {@code null}
     * @param metadata   parsed metadata.json, or {@code null}
     */
    record Entry(String database, String collection, Path bsonFile, BsonDocument metadata) {

        String namespace() {
            return database + "." + collection;
        }

        String type() {
            BsonValue type = metadata == null ? null : metadata.get("type");
            return type != null && type.isString() ? type.asString().getValue() : "collection";
        }

        BsonDocument options() {
            BsonValue options = metadata == null ? null : metadata.get("options");
            return options != null && options.isDocument() ? options.asDocument() : new BsonDocument();
        }

        List<BsonDocument> indexes() {
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

    static DumpLayout scan(Path dumpDir) throws IOException {
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
            BsonDocument metadata = metadataFile == null ? null : parseMetadata(metadataFile);
            BsonValue named = metadata == null ? null : metadata.get("collectionName");
            String collection = named != null && named.isString() ? named.asString().getValue() : unescape(e.getKey());
            entries.add(new Entry(database, collection, e.getValue()[0], metadata));
        }
        return entries;
    }

    private static BsonDocument parseMetadata(Path file) throws IOException {
        try {
            return BsonDocument.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IOException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    /** mongodump percent-encodes characters that cannot appear in file names ({@code %2F} for {@code /}). */
    static String unescape(String stem) {
        if (stem.indexOf('%') < 0) {
            return stem;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < stem.length(); i++) {
            char c = stem.charAt(i);
            if (c == '%' && i + 2 < stem.length() && isHex(stem.charAt(i + 1)) && isHex(stem.charAt(i + 2))) {
                bytes.write(Integer.parseInt(stem.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < stem.length()) {
                    utf8 = stem.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.write(utf8, 0, utf8.length);
            }
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
