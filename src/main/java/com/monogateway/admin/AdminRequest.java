package com.monogateway.admin;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * What an admin call reads: the parameters of its declared path ({@code /admin/dead-letters/{id}/replay}) and of
 * the query string (filters come from the query string only, never from headers) and the request body. The caller
 * is already authenticated (the guard in {@link AdminHttp}); the route drops every request header before its call
 * runs, so none reaches the answer.
 */
public record AdminRequest(Map<String, String> params, String body) {

    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** The request of an exchange that platform-http received for {@code path} (its {@code {name}} segments). */
    static AdminRequest of(Exchange exchange, String path) throws AdminRouteBuilder.BadRequest {
        var request = exchange.getIn(HttpMessage.class).getRequest();
        Map<String, String> params = new LinkedHashMap<>();
        try {
            for (var entry : new QueryStringDecoder(request.query() == null ? "" : request.query(), StandardCharsets.UTF_8, false)
                    .parameters().entrySet()) {
                if (entry.getValue().size() != 1) {
                    throw new AdminRouteBuilder.BadRequest("give " + entry.getKey() + " once");
                }
                params.put(entry.getKey(), entry.getValue().get(0));
            }
            // Camel's own header, from the router's normalized path (what the route matched), never the client's.
            String[] declared = path.split("/");
            String[] given = exchange.getIn().getHeader(Exchange.HTTP_PATH, String.class).split("/");
            for (int i = 0; i < declared.length && i < given.length; i++) {
                if (declared[i].startsWith("{")) {
                    // A path segment: %XX decoded, a '+' kept as it is.
                    params.put(declared[i].substring(1, declared[i].length() - 1),
                            URLDecoder.decode(given[i].replace("+", "%2B"), StandardCharsets.UTF_8));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new AdminRouteBuilder.BadRequest("the path or query string is not valid URL encoding");
        }
        for (var entry : params.entrySet()) {
            if (entry.getValue().chars().anyMatch(Character::isISOControl)) {
                throw new AdminRouteBuilder.BadRequest(entry.getKey() + " must not contain control characters");
            }
        }
        return new AdminRequest(Map.copyOf(params), exchange.getIn().getBody(String.class));
    }
}
