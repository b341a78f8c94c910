package org.ipfsbackup.dump;

import org.ipfsbackup.mongo.OplogPosition;

import java.util.List;

/**
 * What a dump wrote.
 *
 * @param engine          engine that wrote it
 * @param databases       databases dumped (empty for an oplog dump)
 * @param collections     namespaces dumped (one {@code .metadata.json} each; views included)
 * @param documents       documents in the collections' {@code .bson} files (oplog entries not counted)
 * @param bytes           total size of all {@code .bson} files written, {@code oplog.bson} included
 * @param oplogStart      first entry in {@code oplog.bson}, or {@code null} if none / no oplog
 * @param oplogEnd        last entry in {@code oplog.bson}; for a full dump the position it is consistent with, for an
 *                        oplog dump {@code after} when nothing was newer; {@code null} without an oplog
 * @param oplogOperations entries in {@code oplog.bson}
 * @param mongodbVersion  server version from {@code buildInfo}
 * @param replicaSet      replica set name from {@code hello}/{@code isMaster}, or {@code null}
 * @param contentDigests  per collection of a full dump, its documents and their order-independent digest, sorted by
 *                        namespace (empty for an oplog dump)
 */
public record DumpResult(String engine, List<String> databases, int collections, long documents, long bytes,
                         OplogPosition oplogStart, OplogPosition oplogEnd, long oplogOperations, String mongodbVersion,
                         String replicaSet, List<org.ipfsbackup.drill.CollectionDigest> contentDigests) {

    public DumpResult {
        databases = databases == null ? List.of() : List.copyOf(databases);
        contentDigests = contentDigests == null ? List.of() : List.copyOf(contentDigests);
    }

    /** Without content digests (an oplog dump). */
    public DumpResult(String engine, List<String> databases, int collections, long documents, long bytes,
                      OplogPosition oplogStart, OplogPosition oplogEnd, long oplogOperations, String mongodbVersion,
                      String replicaSet) {
        this(engine, databases, collections, documents, bytes, oplogStart, oplogEnd, oplogOperations, mongodbVersion,
                replicaSet, List.of());
    }
}
