package org.ipfsbackup.devstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/** Minimal HTTP client for the stack's loopback APIs: never uses a proxy, HTTP/1.1 only. */
final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private Http() {
    }

    static HttpResponse<String> get(String url, Duration timeout) throws IOException, InterruptedException {
        return get(url, null, timeout);
    }

    /** GET with an {@code Authorization} header unless {@code authorization} is null. */
    static HttpResponse<String> get(String url, String authorization, Duration timeout)
            throws IOException, InterruptedException {
        return CLIENT.send(authorized(HttpRequest.newBuilder(URI.create(url)), authorization).timeout(timeout).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder b, String authorization) {
        return authorization == null ? b : b.header("Authorization", authorization);
    }

    /** POST without a body (the Kubo RPC API takes its arguments in the query string). */
    static HttpResponse<byte[]> post(String url, Duration timeout) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** POST one file as multipart/form-data (field "file"), as the Kubo and IPFS Cluster add endpoints expect. */
    static HttpResponse<String> postFile(String url, String authorization, String fileName, byte[] content,
                                         Duration timeout)
            throws IOException, InterruptedException {
        String boundary = "devstack-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return CLIENT.send(authorized(HttpRequest.newBuilder(URI.create(url)), authorization).timeout(timeout)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
