package com.monogateway.admin;

import java.util.Map;
import java.util.Optional;

/**
 * What an admin route gets as its message body: the path parameters and query-string parameters
 * (filters come from the query string only, never from headers) and the request body. The caller is
 * already authenticated; no request header reaches the route.
 */
public record AdminRequest(Map<String, String> params, String body) {

    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name)).map(String::trim).filter(v -> !v.isEmpty());
    }
}
