package org.ipfsbackup.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * For bin/hawtio-snapshot: opens Hawtio in headless Chromium (Debian's {@code chromium}), selects the Camel context's
 * "routes" node (Hawtio keeps the selection in page state, so it is clicked through the DevTools protocol), waits
 * until the routes table with their statistics is shown, and writes a PNG; then opens the Route Diagram of
 * backup-pipeline and writes it beside ({@code <out>-diagram.png}). Fails unless the table lists the pipeline's routes,
 * the diagram shows the pipeline's steps, and neither picture is blank.
 * Arguments: Hawtio base URL (http://127.0.0.1:PORT/hawtio/), output PNG.
 */
public final class HawtioSnapshot {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ROUTES_NODE = "org.apache.camel-folder-CamelContexts-folder-ipfs-backup-folder-routes-folder";

    private final WebSocket ws;
    private final Map<Integer, CompletableFuture<JsonNode>> pending;
    private final AtomicInteger ids = new AtomicInteger();

    private HawtioSnapshot(WebSocket ws, Map<Integer, CompletableFuture<JsonNode>> pending) {
        this.ws = ws;
        this.pending = pending;
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Path out = Path.of(args[1]);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path profile = Files.createTempDirectory("hawtio-snapshot-chromium");
        Process chrome = new ProcessBuilder("chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--no-first-run", "--window-size=1600,1000", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=" + port, "--user-data-dir=" + profile, "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            String wsUrl = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (wsUrl == null && System.nanoTime() < deadline) {
                try {
                    String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    for (JsonNode t : JSON.readTree(list)) {
                        if ("page".equals(t.path("type").asText())) {
                            wsUrl = t.path("webSocketDebuggerUrl").asText();
                        }
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (wsUrl == null) {
                    Thread.sleep(200);
                }
            }
            if (wsUrl == null) {
                throw new IllegalStateException("chromium did not open its DevTools port; log: " + profile.resolve("chromium.log"));
            }
            HawtioSnapshot cdp = connect(http, wsUrl);
            cdp.call("Page.enable", JSON.createObjectNode());
            cdp.call("Page.navigate", JSON.createObjectNode().put("url", url + "camel/routes"));
            cdp.await("document.getElementById('" + ROUTES_NODE + "') !== null", "the Camel tree with the routes node", 90);
            // the node itself (not its expand/collapse toggle) selects it; a real click through the protocol
            JsonNode box = cdp.eval("(() => { const n = document.getElementById('" + ROUTES_NODE + "').querySelector("
                    + "'.pf-v5-c-tree-view__node-text, .pf-v5-c-tree-view__node'); const r = n.getBoundingClientRect();"
                    + " return [r.x + r.width / 2, r.y + r.height / 2]; })()").path("value");
            for (String type : new String[] {"mousePressed", "mouseReleased"}) {
                cdp.call("Input.dispatchMouseEvent", JSON.createObjectNode().put("type", type).put("x", box.get(0).asDouble())
                        .put("y", box.get(1).asDouble()).put("button", "left").put("clickCount", 1));
            }
            try {
                cdp.await("(() => { const t = document.querySelector('table'); return !!t && t.innerText.includes('backup-full')"
                    + " && t.innerText.includes('backup-dump') && /Completed/i.test(t.innerText); })()", "the routes table with statistics", 60);
            } catch (IllegalStateException e) {
                JsonNode shot = cdp.call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
                Files.write(Path.of(out + ".failed.png"), Base64.getDecoder().decode(shot.path("data").asText()));
                System.out.println("page text: " + cdp.eval("document.body.innerText").path("value").asText().lines().limit(40).toList());
                throw e;
            }
            Thread.sleep(1500); // let the table's last values and icons paint
            String text = cdp.eval("document.querySelector('table').innerText").path("value").asText();
            JsonNode shot = cdp.call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
            byte[] png = Base64.getDecoder().decode(shot.path("data").asText());
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.write(out, png);
            BufferedImage img = ImageIO.read(out.toFile());
            int colours = colours(img);
            System.out.println("HAWTIO-SNAPSHOT " + out + " " + img.getWidth() + "x" + img.getHeight() + " bytes=" + png.length
                    + " colours=" + colours);
            String flat = String.join(" ", text.trim().split("\\s+"));
            System.out.println("routes table: " + flat.substring(0, Math.min(400, flat.length())));
            if (png.length < 20_000 || colours < 20 || img.getWidth() < 1000) {
                throw new IllegalStateException("the screenshot looks blank: " + png.length + " bytes, " + colours + " colours");
            }
            routeDiagram(cdp, diagramFile(out));
            cdp.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } finally {
            chrome.destroy();
            if (!chrome.waitFor(10, TimeUnit.SECONDS)) {
                chrome.destroyForcibly();
            }
        }
    }

    /** Where the Route Diagram goes: {@code target/hawtio-routes.png} -> {@code target/hawtio-routes-diagram.png}. */
    static Path diagramFile(Path out) {
        String n = out.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return out.resolveSibling((dot < 0 ? n : n.substring(0, dot)) + "-diagram" + (dot < 0 ? ".png" : n.substring(dot)));
    }

    /** A real mouse click (Hawtio reacts to pointer events) on the centre of the element the expression returns. */
    void click(String element, String what) throws Exception {
        JsonNode box = eval("(() => { const n = " + element + "; if (!n) return null; n.scrollIntoView({block: 'center'});"
                + " const r = n.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()").path("value");
        if (!box.isArray()) {
            throw new IllegalStateException("nothing to click: " + what);
        }
        for (String type : new String[] {"mousePressed", "mouseReleased"}) {
            call("Input.dispatchMouseEvent", JSON.createObjectNode().put("type", type).put("x", box.get(0).asDouble())
                    .put("y", box.get(1).asDouble()).put("button", "left").put("clickCount", 1));
        }
    }

    /**
     * Hawtio's Route Diagram of backup-pipeline: the route's node under "routes" in the Camel tree, then the "Route
     * Diagram" tab; waits until the diagram shows the pipeline's steps and writes a PNG (not blank).
     */
    static void routeDiagram(HawtioSnapshot cdp, Path out) throws Exception {
        String node = "[...document.querySelectorAll('.pf-v5-c-tree-view__node-text')].find(n => n.innerText.trim() === 'backup-pipeline')";
        if (!cdp.eval("!!(" + node + ")").path("value").asBoolean()) {
            cdp.click("document.getElementById('" + ROUTES_NODE + "').querySelector('.pf-v5-c-tree-view__node-toggle')", "the routes folder's toggle");
            cdp.await("!!(" + node + ")", "backup-pipeline in the Camel tree", 30);
        }
        cdp.click(node, "backup-pipeline in the Camel tree");
        // a tall page, so the diagram (one node per step, top to bottom) is laid out whole
        cdp.call("Emulation.setDeviceMetricsOverride", JSON.createObjectNode().put("width", 1600).put("height", 2600)
                .put("deviceScaleFactor", 1).put("mobile", false));
        String tab = "[...document.querySelectorAll('button, a')].find(b => /^\\s*Route Diagram\\s*$/i.test(b.innerText))";
        cdp.await("!!(" + tab + ")", "the Route Diagram tab", 30);
        cdp.click(tab, "the Route Diagram tab");
        // the diagram's own nodes (not the tree beside it): one "To direct:..." per step, the skip's filter and stop, the
        // incremental's choice; Hawtio shortens long labels on screen, the node text keeps what it has
        String diagramText = "(() => { const d = document.querySelector('.react-flow'); return d ? [...d.querySelectorAll('.react-flow__node')]"
                + ".map(n => n.textContent.trim()).join(' | ') : ''; })()";
        try {
            cdp.await("(() => { const t = " + diagramText + "; return (t.match(/To direct:/g) || []).length >= 12"
                    + " && t.includes('Choice') && t.includes('Stop') && t.includes('Filter'); })()",
                    "the Route Diagram with the pipeline's steps", 60);
        } catch (IllegalStateException e) {
            JsonNode shot = cdp.call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
            Files.write(Path.of(out + ".failed.png"), Base64.getDecoder().decode(shot.path("data").asText()));
            System.out.println("diagram text: " + cdp.eval(diagramText).path("value").asText());
            System.out.println("a diagram node: " + cdp.eval("(() => { const n = document.querySelectorAll('.react-flow__node')[5];"
                    + " return n ? n.outerHTML.substring(0, 1500) : 'none'; })()").path("value").asText());
            throw e;
        }
        System.out.println("diagram nodes: " + cdp.eval(diagramText).path("value").asText());
        Thread.sleep(1500); // let the diagram's layout settle
        JsonNode shot = cdp.call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
        byte[] png = Base64.getDecoder().decode(shot.path("data").asText());
        Files.write(out, png);
        BufferedImage img = ImageIO.read(out.toFile());
        int colours = colours(img);
        System.out.println("HAWTIO-DIAGRAM " + out + " " + img.getWidth() + "x" + img.getHeight() + " bytes=" + png.length + " colours=" + colours);
        if (png.length < 20_000 || colours < 20) {
            throw new IllegalStateException("the route diagram looks blank: " + png.length + " bytes, " + colours + " colours");
        }
    }

    /** Distinct colours on a 4-pixel grid: a blank page has one or two. */
    static int colours(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 4) {
            for (int x = 0; x < img.getWidth(); x += 4) {
                colours.add(img.getRGB(x, y));
            }
        }
        return colours.size();
    }

    /** A DevTools protocol session: each call waits for the answer with its id. */
    static HawtioSnapshot connect(HttpClient http, String url) throws Exception {
        Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        StringBuilder buf = new StringBuilder();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(url), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                buf.append(data);
                if (last) {
                    try {
                        JsonNode n = JSON.readTree(buf.toString());
                        CompletableFuture<JsonNode> f = n.has("id") ? pending.remove(n.get("id").asInt()) : null;
                        if (f != null && n.has("error")) {
                            f.completeExceptionally(new IllegalStateException(n.get("error").toString()));
                        } else if (f != null) {
                            f.complete(n.path("result"));
                        }
                    } catch (IOException e) {
                        // an event we cannot parse: not one of our answers
                    }
                    buf.setLength(0);
                }
                w.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        return new HawtioSnapshot(ws, pending);
    }

    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        ws.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
        return f.get(60, TimeUnit.SECONDS);
    }

    JsonNode eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
        return r.path("result");
    }

    void await(String condition, String what, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (eval(condition).path("value").asBoolean(false)) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Hawtio did not show " + what + " within " + seconds + " s");
    }
}
