package org.ipfsbackup.camel;

import java.io.File;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.StringJoiner;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.hc.client5.http.entity.mime.FileBody;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.ipfsbackup.config.IpfsSettings;
import org.ipfsbackup.ipfs.AddResponseParser;
import org.ipfsbackup.ipfs.AddResult;
import org.ipfsbackup.ipfs.ClusterClient;
import org.ipfsbackup.ipfs.IpfsException;
import org.ipfsbackup.ipfs.PinStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the upload and pin-verify steps. The upload itself is a camel-http call in {@code ipfs-add.camel.yaml}
 * (with failover between the cluster nodes); this class builds its multipart request from the file and reads the
 * answer. Pin verification polls {@code GET /pins/{cid}} through {@link ClusterClient}.
 */
public class IpfsBinding {
    private static final Logger LOG = LoggerFactory.getLogger("ipfs-backup.ipfs");
    private final IpfsSettings settings;
    private final ClusterClient cluster;
    private final Clock clock;

    public IpfsBinding(IpfsSettings settings, ClusterClient cluster, Clock clock) {
        this.settings = settings;
        this.cluster = cluster;
        this.clock = clock;
    }

    /** Body becomes a streaming multipart entity of {@link BackupHeaders#ADD_FILE}; the query carries the pin options. */
    public void prepareAdd(Exchange exchange) {
        Message m = exchange.getMessage();
        File file = new File(m.getHeader(BackupHeaders.ADD_FILE, String.class));
        String name = m.getHeader(BackupHeaders.ADD_NAME, String.class);
        String kind = m.getHeader(BackupHeaders.ADD_KIND, String.class);
        if (!file.isFile()) {
            throw new IllegalStateException("nothing to upload: " + file + " does not exist");
        }
        if (!name.endsWith(".enc")) {
            // fail closed: only files written by the encrypt step (named *.enc) may leave the process
            throw new IllegalStateException("refusing to upload " + name + ": only encrypted files (*.enc) are uploaded");
        }
        m.setBody(MultipartEntityBuilder.create().setMode(HttpMultipartMode.STRICT)
                .addPart("file", new FileBody(file, ContentType.APPLICATION_OCTET_STREAM, name)).build());
        int rf = settings.replicationFactor();
        StringJoiner q = new StringJoiner("&");
        q.add("stream-channels=false").add("cid-version=1").add("raw-leaves=true")
                .add("replication-min=" + rf).add("replication-max=" + rf)
                .add("name=" + enc(name)).add("meta-type=" + enc(kind == null ? "backup" : kind))
                .add("meta-timestamp=" + enc(clock.instant().toString())).add("meta-app=ipfs-backup");
        m.setHeader(Exchange.HTTP_QUERY, q.toString());
        m.setHeader(Exchange.HTTP_METHOD, "POST");
        exchange.setProperty(BackupHeaders.STEP_BYTES, file.length());
        if (settings.authorization() != null) {
            m.setHeader("Authorization", settings.authorization());
        }
        LOG.info("upload={} step=upload bytes={} replication={}", name, file.length(), rf);
    }

    /** Reads the /add answer; an empty or rootless answer is a failure. */
    public void readAddResponse(Exchange exchange) {
        Message m = exchange.getMessage();
        String body = m.getBody(String.class);
        m.removeHeader("Authorization");
        String node = String.valueOf(exchange.getProperty(Exchange.TO_ENDPOINT)).replaceAll("\\?.*", "");
        Integer status = m.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status != null && status != 200) {
            String msg = body == null ? "" : body.strip();
            try {
                msg = new com.fasterxml.jackson.databind.ObjectMapper().readTree(msg).path("message").asText(msg);
            } catch (java.io.IOException | RuntimeException notJson) {
                // keep the raw text
            }
            throw IpfsException.refused("cluster " + node + " refused /add", status, msg);
        }
        AddResult r = AddResponseParser.parse(body, node);
        m.setHeader(BackupHeaders.ADD_CID, r.cid());
        m.setHeader(BackupHeaders.ADD_ALLOCATIONS, r.allocations());
        m.setBody(null);
        LOG.info("upload={} step=upload cid={} allocations={}", m.getHeader(BackupHeaders.ADD_NAME), r.cid(), r.allocations());
    }

    /** Waits until every allocated peer (at least the replication factor) reports the CID pinned. */
    public void verifyPinned(Exchange exchange) {
        Message m = exchange.getMessage();
        String cid = m.getHeader(BackupHeaders.ADD_CID, String.class);
        long t0 = System.nanoTime();
        PinStatus s = cluster.awaitPinned(cid, settings.replicationFactor(), settings.pinTimeout());
        List<String> peers = s.pinnedPeers();
        m.setHeader(BackupHeaders.ADD_PEERS, peers);
        LOG.info("upload={} step=pin-verify cid={} pinnedOn={} durationMs={}", m.getHeader(BackupHeaders.ADD_NAME), cid, peers,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Dead-letter clean-up: content that reached the cluster for a backup that then failed is unpinned, so no pin
     * exists that the manifest does not know. Best effort: a failure here is logged with the CID to remove by hand.
     */
    public void unpinUnrecorded(Exchange exchange) {
        Message m = exchange.getMessage();
        String cid = m.getHeader(BackupHeaders.ADD_CID, String.class);
        if (cid == null || Boolean.TRUE.equals(m.getHeader(BackupHeaders.RECORDED, Boolean.class))) {
            return;
        }
        if (m.getHeader(BackupHeaders.KEEP_PIN) != null) {
            LOG.warn("upload={} failed after reaching the cluster: {} is kept pinned for start-up recovery ({})",
                    m.getHeader(BackupHeaders.ADD_NAME), cid, m.getHeader(BackupHeaders.KEEP_PIN));
            return;
        }
        try {
            boolean removed = cluster.unpin(cid);
            LOG.warn("upload={} failed after reaching the cluster: unpinned {} ({})", m.getHeader(BackupHeaders.ADD_NAME), cid,
                    removed ? "removed" : "was not pinned");
        } catch (RuntimeException e) {
            LOG.error("upload={} failed after reaching the cluster and {} could not be unpinned: {}; remove it with "
                    + "'ipfs-cluster-ctl pin rm {}'", m.getHeader(BackupHeaders.ADD_NAME), cid, e.getMessage(), cid);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
