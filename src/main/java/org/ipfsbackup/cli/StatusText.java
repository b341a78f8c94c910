package org.ipfsbackup.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** The status report as text: one section per line group, the verdict first. */
final class StatusText {
    private StatusText() {
    }

    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> r, PrintWriter out) {
        boolean healthy = Boolean.TRUE.equals(r.get("healthy"));
        out.println(healthy ? "HEALTHY" : "DEGRADED");
        for (String reason : (List<String>) r.get("reasons")) {
            out.println("  - " + reason);
        }
        out.println("last successful backups:");
        ((Map<String, Object>) r.get("lastSuccess")).forEach((type, e) -> {
            if (e == null) {
                out.printf("  %-12s none%n", type);
            } else {
                Map<String, Object> m = (Map<String, Object>) e;
                out.printf("  %-12s %s  %s  %s  %d s%n", type, m.get("time"), m.get("cid"), m.get("sizeHuman"),
                        ((Number) m.get("durationMs")).longValue() / 1000);
            }
        });
        out.println("last failed backups:");
        ((Map<String, Object>) r.get("lastFailure")).forEach((type, e) -> {
            if (e == null) {
                out.printf("  %-12s none recorded%n", type);
            } else {
                Map<String, Object> m = (Map<String, Object>) e;
                out.printf("  %-12s %s  %s%s%n", type, m.get("time"), Boolean.TRUE.equals(m.get("cancelled")) ? "CANCELLED: " : "", m.get("error"));
            }
        });
        out.println("next runs:");
        ((Map<String, Object>) r.get("nextRuns")).forEach((k, v) -> out.printf("  %-12s %s%n", k, v));
        Map<String, Object> w = (Map<String, Object>) r.get("window");
        out.println("restorable window: " + (w.get("from") == null ? "none" : w.get("from") + " .. " + w.get("to")));
        for (Map<String, String> g : (List<Map<String, String>>) w.get("gaps")) {
            out.println("  gap " + g.get("from") + " .. " + g.get("to"));
        }
        out.println("pins of the newest backups:");
        ((Map<String, Object>) r.get("pins")).forEach((cid, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            out.printf("  %s pinned on %s of %s%n", cid, m.get("pinnedOn"), m.get("required"));
        });
        out.println("cluster peers: " + ((Map<String, String>) r.get("peers")).size());
        ((Map<String, Object>) r.get("storage")).forEach((node, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            out.printf("IPFS storage %s: %s (%s%%)%n", node, m.get("usedHuman"), m.get("percent"));
        });
        Map<String, Object> lock = (Map<String, Object>) r.get("lock");
        out.println("running now: " + (lock.get("running") == null ? "nothing" : lock.get("running") + " (owner " + lock.get("owner")
                + ", since " + lock.get("since") + (Boolean.TRUE.equals(lock.get("expired")) ? ", lease expired" : "") + ")"));
        Map<String, Object> v = (Map<String, Object>) r.get("lastVerification");
        out.println("last verification: " + (v == null ? "none yet" : v.get("at") + " " + v.get("cid") + " " + (Boolean.TRUE.equals(v.get("ok")) ? "ok" : "FAILED")));
        out.println("alerts not yet sent: " + r.get("alertsSpooled"));
    }
}
