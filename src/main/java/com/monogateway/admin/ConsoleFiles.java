package com.monogateway.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The operations console's three files, packed in the jar ({@code src/main/resources/console}): no CDN,
 * no build step. Served with a policy that lets the page run only its own script and style.
 */
final class ConsoleFiles {

    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8");

    private final Map<String, Buffer> files;

    ConsoleFiles() {
        this.files = Map.of("index.html", read("index.html"), "console.js", read("console.js"), "console.css", read("console.css"));
    }

    void serve(RoutingContext ctx, String name) {
        ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, TYPES.get(name))
                .putHeader("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
                        + " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .end(files.get(name));
    }

    private static Buffer read(String name) {
        try (InputStream in = ConsoleFiles.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console file " + name + " is missing from the jar");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
