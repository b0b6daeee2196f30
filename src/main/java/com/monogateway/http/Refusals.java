package com.monogateway.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/** Answers at the HTTP edge that refuse a request before its body is read into memory. */
public final class Refusals {

    private Refusals() {
    }

    /**
     * Answers {@code status} with a JSON body. A body the client is still sending is read and dropped when
     * its declared length is at most {@code drainLimit} (closing with unread bytes would reset the
     * connection, and the client might never see the answer; the request deadline bounds a slow sender);
     * a larger or chunked one gets the answer and the connection is closed.
     */
    public static void refuse(RoutingContext ctx, int status, String json, long drainLimit) {
        HttpServerRequest request = ctx.request();
        boolean drain = declaredLength(request) <= drainLimit;
        if (!request.isEnded() && drain) {
            request.handler(ignored -> { });
            request.resume();
        }
        var response = ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (!drain) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.end(json).onComplete(done -> {
            if (!drain) {
                request.connection().close();
            }
        });
    }

    /** Content-Length, or unbounded for a chunked body (or a broken header). */
    private static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return request.headers().contains(HttpHeaders.TRANSFER_ENCODING) ? Long.MAX_VALUE : 0;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The client's address, for log lines. */
    public static String remote(RoutingContext ctx) {
        var address = ctx.request().remoteAddress();
        return address == null ? "an unknown address" : address.hostAddress();
    }
}
