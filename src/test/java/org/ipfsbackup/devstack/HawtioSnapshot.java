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
 * until the routes table with their statistics is shown, and writes a PNG. Fails unless the table lists the
 * pipeline's routes and the picture is not blank.
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
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < img.getHeight(); y += 4) {
                for (int x = 0; x < img.getWidth(); x += 4) {
                    colours.add(img.getRGB(x, y));
                }
            }
            System.out.println("HAWTIO-SNAPSHOT " + out + " " + img.getWidth() + "x" + img.getHeight() + " bytes=" + png.length
                    + " colours=" + colours.size());
            String flat = String.join(" ", text.trim().split("\\s+"));
            System.out.println("routes table: " + flat.substring(0, Math.min(400, flat.length())));
            if (png.length < 20_000 || colours.size() < 20 || img.getWidth() < 1000) {
                throw new IllegalStateException("the screenshot looks blank: " + png.length + " bytes, " + colours.size() + " colours");
            }
            cdp.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } finally {
            chrome.destroy();
            if (!chrome.waitFor(10, TimeUnit.SECONDS)) {
                chrome.destroyForcibly();
            }
        }
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
