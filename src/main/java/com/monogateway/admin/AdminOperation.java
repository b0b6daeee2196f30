package com.monogateway.admin;

import io.vertx.core.http.HttpMethod;

/**
 * One admin API call: {@code method} and {@code path} on the management port (Vert.x syntax,
 * {@code /admin/dead-letters/:id/replay}) handled by the Camel route consuming {@code endpoint}.
 */
public record AdminOperation(HttpMethod method, String path, String endpoint) {
}
