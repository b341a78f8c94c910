package org.ipfsbackup.privilege;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Decides from a {@code connectionStatus} reply ({@code showPrivileges: true}) whether the service's MongoDB user
 * can do its work and whether it can do more than that. Plain: no server, no Camel; {@link PrivilegeProbe} asks
 * the server.
 *
 * <p>Needed (a missing one refuses the start, named as "ACTION on RESOURCE"):
 * <ul>
 *   <li>{@code listDatabases} on the cluster (which databases to dump);</li>
 *   <li>{@code find}, {@code listCollections}, {@code listIndexes} on every database ({@code {db: "", collection: ""}});</li>
 *   <li>{@code find} on {@code local.oplog.rs} (incrementals, point in time);</li>
 *   <li>{@code find}, {@code insert}, {@code update}, {@code remove}, {@code createIndex} on the manifest database
 *       (manifest, its state and history, and the job lock).</li>
 * </ul>
 * More than needed (a warning each): the roles {@code root}, {@code __system}, {@code readWriteAnyDatabase},
 * {@code dbAdminAnyDatabase}, {@code userAdminAnyDatabase}, {@code clusterAdmin}, {@code restore},
 * {@code dbOwner}/{@code readWrite} on a database other than the manifest's; any privilege on {@code anyResource};
 * any write action on a resource that reaches a database other than the manifest's.
 *
 * <p>Resources match as MongoDB matches them: {@code {db: "", collection: ""}} is every collection of every
 * database (MongoDB excludes {@code system.*} collections, which the service does not need); {@code {db: "d",
 * collection: ""}} every collection of d; {@code {db: "", collection: "c"}} c in every database;
 * {@code anyResource} everything. A reply without an authenticated user (authentication off, or a server that
 * does not check) cannot be judged, nor can one without the privileges field (FerretDB 1.x: users, no roles): the
 * verdict says so and warns, it does not refuse.
 */
public final class PrivilegeCheck {

    /** Write actions: any of them on a user database is more than the service needs. */
    static final Set<String> WRITE_ACTIONS = Set.of("insert", "update", "remove", "dropCollection", "dropDatabase",
            "createCollection", "createIndex", "dropIndex", "renameCollectionSameDB", "convertToCapped", "collMod",
            "emptycapped", "bypassDocumentValidation", "applyOps", "restore");
    static final Set<String> TOO_BROAD_ROLES = Set.of("root", "__system", "readWriteAnyDatabase", "dbAdminAnyDatabase",
            "userAdminAnyDatabase", "clusterAdmin", "restore");
    static final List<String> READ_EVERYWHERE = List.of("find", "listCollections", "listIndexes");
    static final List<String> MANIFEST_WRITES = List.of("find", "insert", "update", "remove", "createIndex");

    private final String manifestDatabase;

    public PrivilegeCheck(String manifestDatabase) {
        if (manifestDatabase == null || manifestDatabase.isBlank()) {
            throw new IllegalArgumentException("manifest database name is empty");
        }
        this.manifestDatabase = manifestDatabase;
    }

    /**
     * @param missing what is needed and not held ("find on local.oplog.rs"); non-empty refuses the start
     * @param excess  what is held beyond the need; each one is a warning
     * @param checked false when the reply names no authenticated user (nothing could be judged)
     */
    public record Verdict(String user, List<String> missing, List<String> excess, boolean checked) {
        public boolean sufficient() {
            return missing.isEmpty();
        }
    }

    /** @param connectionStatus the reply of {@code {connectionStatus: 1, showPrivileges: true}} */
    public Verdict decide(BsonDocument connectionStatus) {
        BsonDocument auth = connectionStatus.isDocument("authInfo") ? connectionStatus.getDocument("authInfo") : new BsonDocument();
        List<String> users = new ArrayList<>();
        if (auth.isArray("authenticatedUsers")) {
            for (BsonValue u : auth.getArray("authenticatedUsers")) {
                if (u.isDocument() && u.asDocument().isString("user")) {
                    BsonDocument d = u.asDocument();
                    users.add(d.getString("user").getValue() + (d.isString("db") ? "@" + d.getString("db").getValue() : ""));
                }
            }
        }
        if (users.isEmpty()) {
            return new Verdict(null, List.of(), List.of("no authenticated user: authentication is off (or not reported), so the "
                    + "service can read and write every database; create the ipfs_backup role and user (docs/configuration.md, "
                    + "Least privilege) and connect as that user"), false);
        }
        if (!auth.containsKey("authenticatedUserPrivileges")) {
            // MongoDB always answers showPrivileges with this field (an empty array at least). FerretDB 1.x does not:
            // it has no roles (createRole unknown, createUser refuses roles) and lets every authenticated user
            // read and write every database
            return new Verdict(String.join(", ", users), List.of(), List.of("the server does not report privileges "
                    + "(connectionStatus without authenticatedUserPrivileges, as FerretDB, which has no roles): "
                    + "the user can probably read and write every database; nothing was checked"), false);
        }
        List<Privilege> privileges = privileges(auth);
        List<String> missing = new ArrayList<>();
        require(privileges, Resource.ofCluster(), List.of("listDatabases"), "the cluster", missing);
        require(privileges, new Resource(null, "", ""), READ_EVERYWHERE, "every database", missing);
        require(privileges, new Resource(null, "local", "oplog.rs"), List.of("find"), "local.oplog.rs", missing);
        require(privileges, new Resource(null, manifestDatabase, "backups"), MANIFEST_WRITES, "the manifest database " + manifestDatabase, missing);

        Set<String> excess = new LinkedHashSet<>();
        if (auth.isArray("authenticatedUserRoles")) {
            for (BsonValue r : auth.getArray("authenticatedUserRoles")) {
                if (!r.isDocument() || !r.asDocument().isString("role")) {
                    continue;
                }
                String role = r.asDocument().getString("role").getValue();
                String db = r.asDocument().isString("db") ? r.asDocument().getString("db").getValue() : "";
                if (TOO_BROAD_ROLES.contains(role)) {
                    excess.add("role " + role + "@" + db);
                } else if ((role.equals("dbOwner") || role.equals("readWrite") || role.equals("dbAdmin")) && !db.equals(manifestDatabase)) {
                    excess.add("role " + role + "@" + db + " (write on a database other than the manifest's " + manifestDatabase + ")");
                }
            }
        }
        for (Privilege p : privileges) {
            if (p.resource().anyResource()) {
                excess.add(String.join(", ", p.actions()) + " on anyResource");
                continue;
            }
            if (p.resource().isCluster()) {
                continue;
            }
            List<String> writes = p.actions().stream().filter(a -> WRITE_ACTIONS.contains(a) || a.equals("anyAction")).toList();
            if (!writes.isEmpty() && !p.resource().withinDatabase(manifestDatabase)) {
                excess.add("write (" + String.join(", ", writes) + ") on " + p.resource() + ": the service writes only to " + manifestDatabase);
            }
        }
        return new Verdict(String.join(", ", users), List.copyOf(missing), List.copyOf(excess), true);
    }

    private static void require(List<Privilege> held, Resource needed, List<String> actions, String where, List<String> missing) {
        for (String action : actions) {
            boolean ok = held.stream().anyMatch(p -> (p.actions().contains(action) || p.actions().contains("anyAction"))
                    && p.resource().covers(needed));
            if (!ok) {
                missing.add(action + " on " + where);
            }
        }
    }

    private static List<Privilege> privileges(BsonDocument auth) {
        List<Privilege> out = new ArrayList<>();
        if (!auth.isArray("authenticatedUserPrivileges")) {
            return out;
        }
        for (BsonValue v : auth.getArray("authenticatedUserPrivileges")) {
            if (!v.isDocument() || !v.asDocument().isDocument("resource")) {
                continue;
            }
            BsonDocument r = v.asDocument().getDocument("resource");
            Resource resource;
            if (r.containsKey("anyResource") && r.get("anyResource").isBoolean() && r.getBoolean("anyResource").getValue()) {
                resource = new Resource(Kind.ANY, null, null);
            } else if (r.containsKey("cluster") && r.get("cluster").isBoolean() && r.getBoolean("cluster").getValue()) {
                resource = Resource.ofCluster();
            } else if (r.isString("db") && r.isString("collection")) {
                resource = new Resource(null, r.getString("db").getValue(), r.getString("collection").getValue());
            } else {
                continue; // system_buckets and other shapes: nothing the service needs
            }
            List<String> actions = new ArrayList<>();
            if (v.asDocument().isArray("actions")) {
                for (BsonValue a : v.asDocument().getArray("actions")) {
                    if (a.isString()) {
                        actions.add(a.asString().getValue());
                    }
                }
            }
            out.add(new Privilege(resource, actions));
        }
        return out;
    }

    private enum Kind { ANY, CLUSTER }

    /** A privilege's resource; kind null: a namespace pattern ("" = any). */
    private record Resource(Kind kind, String db, String collection) {
        static Resource ofCluster() {
            return new Resource(Kind.CLUSTER, null, null);
        }

        boolean anyResource() {
            return kind == Kind.ANY;
        }

        boolean isCluster() {
            return kind == Kind.CLUSTER;
        }

        /** Whether this held resource includes the needed one. */
        boolean covers(Resource needed) {
            if (kind == Kind.ANY) {
                return true;
            }
            if (kind == Kind.CLUSTER || needed.kind == Kind.CLUSTER) {
                return kind == needed.kind;
            }
            if (db.isEmpty() && needed.db.equals("local")) {
                return false; // the oplog needs a privilege naming local: {db: ""} is not taken to reach it
            }
            return (db.isEmpty() || db.equals(needed.db)) && (collection.isEmpty() || collection.equals(needed.collection));
        }

        /** Whether everything this resource names lies inside database {@code name}. */
        boolean withinDatabase(String name) {
            return kind == null && db.equals(name);
        }

        @Override
        public String toString() {
            if (kind == Kind.ANY) {
                return "anyResource";
            }
            if (kind == Kind.CLUSTER) {
                return "the cluster";
            }
            return (db.isEmpty() ? "every database" : db) + (collection.isEmpty() ? "" : " collection " + collection);
        }
    }

    private record Privilege(Resource resource, List<String> actions) {
    }
}
