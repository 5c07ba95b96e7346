package io.splice4j.tool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** A plain HTTP client for the metrics tests: {@code java.net.http} is a module the library doesn't read. */
final class Http {

    /** A response: its status, its {@code Content-Type} and {@code Allow} headers, and its body. */
    record Response(int status, String contentType, String allow, String body) {
    }

    private Http() {
    }

    /** Sends a {@code GET} and reads the whole response. */
    static Response get(URI uri) throws IOException {
        return send("GET", uri);
    }

    /** Sends a request with no body ({@code POST} with one byte) and reads the whole response. */
    static Response send(String method, URI uri) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        try {
            connection.setConnectTimeout(10_000);
            connection.setReadTimeout(10_000);
            connection.setRequestMethod(method);
            if (method.equals("POST")) {
                connection.setDoOutput(true);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write('x');
                }
            }
            int status = connection.getResponseCode();
            InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
            return new Response(status, connection.getContentType(), connection.getHeaderField("Allow"), text);
        } finally {
            connection.disconnect();
        }
    }
}
