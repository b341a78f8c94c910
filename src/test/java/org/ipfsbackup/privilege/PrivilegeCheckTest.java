package org.ipfsbackup.privilege;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bson.BsonDocument;
import org.ipfsbackup.config.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * The privilege decision on canned {@code connectionStatus} replies, shaped as MongoDB 6/7 answers
 * {@code {connectionStatus: 1, showPrivileges: true}} (users, roles, and the privileges the roles expand to).
 */
class PrivilegeCheckTest {

    private final PrivilegeCheck check = new PrivilegeCheck("ipfs_backup");

    /** The role of docs/configuration.md, as MongoDB reports it for a user holding only that role. */
    static final String LEAST = """
            {"authInfo": {
              "authenticatedUsers": [{"user": "ipfs-backup", "db": "admin"}],
              "authenticatedUserRoles": [{"role": "ipfsBackup", "db": "admin"}],
              "authenticatedUserPrivileges": [
                {"resource": {"cluster": true}, "actions": ["listDatabases"]},
                {"resource": {"db": "", "collection": ""}, "actions": ["find", "listCollections", "listIndexes"]},
                {"resource": {"db": "local", "collection": "oplog.rs"}, "actions": ["find"]},
                {"resource": {"db": "ipfs_backup", "collection": ""},
                 "actions": ["createIndex", "find", "insert", "listCollections", "listIndexes", "remove", "update"]}
              ]},
             "ok": 1.0}""";

    @Test
    void theDocumentedRoleIsEnoughAndNothingMore() {
        PrivilegeCheck.Verdict v = check.decide(BsonDocument.parse(LEAST));
        assertThat(v.checked()).isTrue();
        assertThat(v.user()).isEqualTo("ipfs-backup@admin");
        assertThat(v.missing()).isEmpty();
        assertThat(v.excess()).isEmpty();
        assertThat(PrivilegeProbe.enforce(v, "ipfs_backup")).isSameAs(v);
    }

    @Test
    void rootIsEnoughButWarnedAbout() {
        // MongoDB's root: the role plus anyAction on anyResource among its privileges (abridged)
        PrivilegeCheck.Verdict v = check.decide(BsonDocument.parse("""
                {"authInfo": {
                  "authenticatedUsers": [{"user": "admin", "db": "admin"}],
                  "authenticatedUserRoles": [{"role": "root", "db": "admin"}],
                  "authenticatedUserPrivileges": [
                    {"resource": {"anyResource": true}, "actions": ["anyAction"]},
                    {"resource": {"cluster": true}, "actions": ["listDatabases", "shutdown"]},
                    {"resource": {"db": "", "collection": ""}, "actions": ["find", "insert", "remove", "update", "dropDatabase"]}
                  ]},
                 "ok": 1}"""));
        assertThat(v.missing()).isEmpty();
        assertThat(v.excess()).contains("role root@admin", "anyAction on anyResource")
                .anySatisfy(e -> assertThat(e).startsWith("write (insert, remove, update, dropDatabase) on every database"));
    }

    @Test
    void readOnlyUserMissesTheManifestWritesAndIsRefusedNamingThem() {
        // built-in read roles, as MongoDB expands them: read on everything and on local, but nothing to write
        PrivilegeCheck.Verdict v = check.decide(BsonDocument.parse("""
                {"authInfo": {
                  "authenticatedUsers": [{"user": "reader", "db": "admin"}],
                  "authenticatedUserRoles": [{"role": "readAnyDatabase", "db": "admin"}, {"role": "read", "db": "local"}],
                  "authenticatedUserPrivileges": [
                    {"resource": {"cluster": true}, "actions": ["listDatabases"]},
                    {"resource": {"db": "", "collection": ""}, "actions": ["changeStream", "collStats", "dbHash", "dbStats", "find",
                      "killCursors", "listCollections", "listIndexes", "listSearchIndexes"]},
                    {"resource": {"db": "local", "collection": ""}, "actions": ["find", "listCollections", "listIndexes"]}
                  ]},
                 "ok": 1}"""));
        assertThat(v.missing()).containsExactly("insert on the manifest database ipfs_backup", "update on the manifest database ipfs_backup",
                "remove on the manifest database ipfs_backup", "createIndex on the manifest database ipfs_backup");
        assertThat(v.excess()).isEmpty();
        assertThatThrownBy(() -> PrivilegeProbe.enforce(v, "ipfs_backup"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("the MongoDB user reader@admin lacks privileges the service needs: insert on the manifest database ipfs_backup");
    }

    @Test
    void readOnAllDatabasesDoesNotReachTheOplogWithoutAPrivilegeNamingLocal() {
        PrivilegeCheck.Verdict v = check.decide(BsonDocument.parse(LEAST.replace(
                "{\"resource\": {\"db\": \"local\", \"collection\": \"oplog.rs\"}, \"actions\": [\"find\"]},", "")));
        assertThat(v.missing()).containsExactly("find on local.oplog.rs");
    }

    @Test
    void readOnOneDatabaseIsNotReadOnAll() {
        PrivilegeCheck.Verdict v = check.decide(BsonDocument.parse(LEAST.replace(
                "{\"db\": \"\", \"collection\": \"\"}, \"actions\": [\"find\"", "{\"db\": \"shop\", \"collection\": \"\"}, \"actions\": [\"find\"")
                .replace("{\"resource\": {\"cluster\": true}, \"actions\": [\"listDatabases\"]},", "")));
        assertThat(v.missing()).containsExactly("listDatabases on the cluster", "find on every database",
                "listCollections on every database", "listIndexes on every database");
    }

    @Test
    void writeOnUserDatabasesIsWarnedAbout() {
        PrivilegeCheck.Verdict v = check.decide(BsonDocument.parse("""
                {"authInfo": {
                  "authenticatedUsers": [{"user": "app", "db": "admin"}],
                  "authenticatedUserRoles": [{"role": "ipfsBackup", "db": "admin"}, {"role": "readWrite", "db": "shop"},
                    {"role": "readWriteAnyDatabase", "db": "admin"}],
                  "authenticatedUserPrivileges": [
                    {"resource": {"cluster": true}, "actions": ["listDatabases"]},
                    {"resource": {"db": "", "collection": ""}, "actions": ["find", "insert", "listCollections", "listIndexes", "update"]},
                    {"resource": {"db": "local", "collection": "oplog.rs"}, "actions": ["find"]},
                    {"resource": {"db": "shop", "collection": ""}, "actions": ["find", "remove"]},
                    {"resource": {"db": "ipfs_backup", "collection": ""}, "actions": ["createIndex", "find", "insert", "remove", "update"]}
                  ]},
                 "ok": 1}"""));
        assertThat(v.missing()).isEmpty();
        assertThat(v.excess()).containsExactly(
                "role readWrite@shop (write on a database other than the manifest's ipfs_backup)",
                "role readWriteAnyDatabase@admin",
                "write (insert, update) on every database: the service writes only to ipfs_backup",
                "write (remove) on shop: the service writes only to ipfs_backup");
    }

    @Test
    void noAuthenticatedUserCannotBeJudgedAndIsAWarningNotARefusal() {
        // mongod without --auth, and FerretDB without authentication, answer like this
        PrivilegeCheck.Verdict v = check.decide(BsonDocument.parse("""
                {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": [], "authenticatedUserPrivileges": []}, "ok": 1}"""));
        assertThat(v.checked()).isFalse();
        assertThat(v.missing()).isEmpty();
        assertThat(v.excess()).singleElement().asString().startsWith("no authenticated user");
        assertThat(PrivilegeProbe.enforce(v, "ipfs_backup")).isSameAs(v);
    }

    /** FerretDB 1.24 with --test-enable-new-auth, verbatim: a user, no roles, and no privileges field at all. */
    @Test
    void ferretDbReportsNoPrivilegesSoNothingIsJudged() {
        PrivilegeCheck.Verdict v = check.decide(BsonDocument.parse("""
                {"authInfo": {"authenticatedUsers": [{"user": "plain", "db": "admin"}], "authenticatedUserRoles": []}, "ok": 1.0}"""));
        assertThat(v.checked()).isFalse();
        assertThat(v.user()).isEqualTo("plain@admin");
        assertThat(v.missing()).isEmpty();
        assertThat(v.excess()).singleElement().asString().startsWith("the server does not report privileges");
        // the same user on MongoDB with no role at all: the empty privileges field is judged, and refused
        PrivilegeCheck.Verdict mongo = check.decide(BsonDocument.parse("""
                {"authInfo": {"authenticatedUsers": [{"user": "plain", "db": "admin"}], "authenticatedUserRoles": [],
                 "authenticatedUserPrivileges": []}, "ok": 1.0}"""));
        assertThat(mongo.checked()).isTrue();
        assertThat(mongo.missing()).hasSize(10).first().isEqualTo("listDatabases on the cluster");
    }

    @Test
    void anotherManifestDatabaseNeedsItsOwnWrite() {
        PrivilegeCheck.Verdict v = new PrivilegeCheck("backups_meta").decide(BsonDocument.parse(LEAST));
        assertThat(v.missing()).contains("insert on the manifest database backups_meta");
        assertThat(v.excess()).singleElement().asString().startsWith("write (createIndex, insert, remove, update) on ipfs_backup");
    }
}
