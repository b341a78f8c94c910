package org.ipfsbackup.drill;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCursor;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.ipfsbackup.mongo.DumpLayout;

/** Per-collection {@link ContentDigest}s of a dump directory or of databases on a server, and their comparison. */
public final class ContentDigests {
    private ContentDigests() {
    }

    /**
     * The digests of every collection's {@code .bson} file in a dump directory ({@code <db>/<coll>.bson}; the top-level
     * {@code oplog.bson} is not a collection): one pass over the local files, none over the source. Sorted by namespace.
     */
    public static List<CollectionDigest> ofDumpDir(Path outDir) throws IOException {
        List<CollectionDigest> out = new ArrayList<>();
        try (DirectoryStream<Path> dbs = Files.newDirectoryStream(outDir, Files::isDirectory)) {
            for (Path db : dbs) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(db, f -> Files.isRegularFile(f)
                        && f.getFileName().toString().endsWith(DumpLayout.BSON))) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        String coll = DumpLayout.unescape(name.substring(0, name.length() - DumpLayout.BSON.length()));
                        ContentDigest d = new ContentDigest();
                        DumpLayout.forEachDocument(f, d::add);
                        out.add(d.of(db.getFileName() + "." + coll));
                    }
                }
            }
        }
        out.sort(Comparator.comparing(CollectionDigest::namespace));
        return out;
    }

    /** The digest of one collection as {@code client} returns it (a full read of the collection, raw bytes). */
    public static CollectionDigest ofCollection(MongoClient client, String namespace) {
        int dot = namespace.indexOf('.');
        if (dot <= 0) {
            throw new IllegalArgumentException("not a db.collection namespace: '" + namespace + "'");
        }
        ContentDigest d = new ContentDigest();
        try (MongoCursor<RawBsonDocument> c = client.getDatabase(namespace.substring(0, dot))
                .getCollection(namespace.substring(dot + 1), RawBsonDocument.class).find(new BsonDocument()).iterator()) {
            while (c.hasNext()) {
                d.add(c.next());
            }
        }
        return d.of(namespace);
    }

    /**
     * What differs between the digests recorded at backup time and those found on a restored server: one line per
     * collection, naming it; empty when every recorded collection holds the same documents.
     */
    public static List<String> differences(List<CollectionDigest> expected, List<CollectionDigest> actual) {
        Map<String, CollectionDigest> found = new LinkedHashMap<>();
        actual.forEach(a -> found.put(a.namespace(), a));
        List<String> out = new ArrayList<>();
        for (CollectionDigest e : expected) {
            CollectionDigest a = found.get(e.namespace());
            if (a == null) {
                out.add(e.namespace() + ": not restored");
            } else if (a.documents() != e.documents()) {
                out.add(e.namespace() + ": " + a.documents() + " documents restored, " + e.documents() + " backed up");
            } else if (!a.digest().equals(e.digest())) {
                out.add(e.namespace() + ": same " + e.documents() + " documents counted but their digest differs (content changed)");
            }
        }
        return out;
    }
}
