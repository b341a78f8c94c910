package org.ipfsbackup.privilege;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import java.util.concurrent.TimeUnit;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.ipfsbackup.config.ConfigException;
import org.ipfsbackup.mongo.MongoConnections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up check of the service's MongoDB privileges: asks {@code connectionStatus} with
 * {@code showPrivileges: true} and lets {@link PrivilegeCheck} decide. Missing privileges stop the start
 * ({@link ConfigException}: exit 3) naming each one; privileges beyond the need are logged as warnings. A server that
 * cannot be reached within a few seconds, or that does not know the command, is logged as a warning and the start
 * goes on (the health check reports an unreachable MongoDB; nothing can be judged without an answer).
 */
public final class PrivilegeProbe {
    private static final Logger LOG = LoggerFactory.getLogger(PrivilegeProbe.class);

    private PrivilegeProbe() {
    }

    /** The command's reply, from the database {@code admin}. */
    public static BsonDocument connectionStatus(MongoClient client) {
        return client.getDatabase("admin").runCommand(
                new BsonDocument("connectionStatus", new BsonInt32(1)).append("showPrivileges", BsonBoolean.TRUE), BsonDocument.class);
    }

    /**
     * Checks the privileges of the user of {@code mongoUri} (its own short-timeout client).
     *
     * @throws ConfigException when a needed privilege is missing
     */
    public static PrivilegeCheck.Verdict checkAtStart(String mongoUri, String manifestDatabase) {
        BsonDocument reply;
        try (MongoClient client = MongoConnections.create(MongoConnections.settings(mongoUri)
                .applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(5, TimeUnit.SECONDS).readTimeout(10, TimeUnit.SECONDS)))) {
            reply = connectionStatus(client);
        } catch (MongoCommandException e) {
            LOG.warn("MongoDB privileges not checked: the server refused connectionStatus ({})", e.getErrorMessage());
            return null;
        } catch (MongoException e) {
            LOG.warn("MongoDB privileges not checked: {}", e.getMessage());
            return null;
        }
        PrivilegeCheck.Verdict v = new PrivilegeCheck(manifestDatabase).decide(reply);
        return enforce(v, manifestDatabase);
    }

    /** Logs the verdict's warnings; throws when something is missing. */
    static PrivilegeCheck.Verdict enforce(PrivilegeCheck.Verdict v, String manifestDatabase) {
        for (String e : v.excess()) {
            if (v.checked()) {
                LOG.warn("MongoDB user {} holds more than the service needs: {}", v.user(), e);
            } else {
                LOG.warn("MongoDB privileges not checked for {}: {}", v.user() == null ? "(no user)" : v.user(), e);
            }
        }
        if (!v.sufficient()) {
            throw new ConfigException("the MongoDB user " + v.user() + " lacks privileges the service needs: " + String.join("; ", v.missing())
                    + ". Grant the role of docs/configuration.md (Least privilege): read on every database and local.oplog.rs, write on "
                    + manifestDatabase + " only");
        }
        if (v.checked()) {
            LOG.info("MongoDB user {} holds the privileges the service needs", v.user());
        }
        return v;
    }
}
