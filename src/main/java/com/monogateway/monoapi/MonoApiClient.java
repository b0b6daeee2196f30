package com.monogateway.monoapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.config.GatewaySettings;
import com.monogateway.tracing.Tracing;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.opentelemetry.api.trace.SpanKind;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mono's REST API as the gateway uses it: verify a payment, read an account, list payments. Every call
 * carries the secret key in {@code mono-sec-key} (and nothing else of ours), waits for our own rate limit,
 * and goes through a circuit breaker. A call either answers (found / not found) or throws
 * {@link Unavailable}; retrying is the caller's, from a schedule kept in the database, never in here.
 */
public final class MonoApiClient {

    /** Mono could not answer now (5xx, timeout, network, 429, breaker open); try again after {@code retryAfterMs}, if given. */
    public static final class Unavailable extends Exception {
        private final long retryAfterMs;
        private final String outcome;

        Unavailable(String outcome, String message, long retryAfterMs) {
            super(message, null, false, false);
            this.outcome = outcome;
            this.retryAfterMs = retryAfterMs;
        }

        /** Mono's own wait (429 Retry-After), or 0 to let the caller back off. */
        public long retryAfterMs() {
            return retryAfterMs;
        }

        String outcome() {
            return outcome;
        }
    }

    public static final String KEY_HEADER = "mono-sec-key";
    private static final long DEFAULT_RETRY_AFTER_MS = 60_000;

    private final GatewaySettings.MonoApi settings;
    private final String secretKey;
    private final ObjectMapper mapper;
    private final HttpClient http;
    private final RateLimiter rateLimiter;
    private final CircuitBreaker breaker;
    private final MonoApiMetrics metrics;
    private final Tracing tracing;
    private final String host;
    /** After a 429: no call before this (epoch ms), whoever makes it. */
    private final AtomicLong pausedUntil = new AtomicLong();

    public MonoApiClient(GatewaySettings.MonoApi settings, ObjectMapper mapper, MonoApiMetrics metrics, Tracing tracing) {
        this.settings = settings;
        this.tracing = tracing;
        this.host = URI.create(settings.baseUrl()).getHost();
        this.secretKey = settings.secretKey().orElseThrow();
        this.mapper = mapper;
        this.metrics = metrics;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(settings.connectTimeoutMs()))
                .followRedirects(HttpClient.Redirect.NEVER) // the key must not follow a redirect anywhere
                .build();
        this.rateLimiter = RateLimiter.of("mono-api", RateLimiterConfig.custom()
                .limitForPeriod(settings.maxRequestsPerSecond())
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ofSeconds(30))
                .build());
        // Opens after breaker-failures failed calls in a row; 404 and 429 are answers, not failures.
        this.breaker = CircuitBreaker.of("mono-api", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.breakerFailures())
                .minimumNumberOfCalls(settings.breakerFailures())
                .failureRateThreshold(100)
                .waitDurationInOpenState(Duration.ofMillis(settings.breakerOpenForMs()))
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(e -> e instanceof Unavailable u && !"rate_limited".equals(u.outcome()))
                .build());
        metrics.watch(breaker);
    }

    /** Verify Payment Status; empty when Mono does not know the reference (404). */
    public Optional<JsonNode> verifyPayment(String reference) throws Unavailable {
        return get("verify", "/v2/payments/verify/" + segment(reference)).map(body -> body.path("data"));
    }

    /** An account's details ({@code data}: {@code account}, {@code meta}); empty when Mono does not know the id. */
    public Optional<JsonNode> account(String id) throws Unavailable {
        return get("account", "/v2/accounts/" + segment(id)).map(body -> body.path("data"));
    }

    /** One page of Mono's payment list between two days (DD-MM-YYYY, as Mono wants them); the whole answer. */
    public JsonNode payments(String start, String end, int page) throws Unavailable {
        String query = "?page=" + page + "&start=" + URLEncoder.encode(start, StandardCharsets.UTF_8) + "&end="
                + URLEncoder.encode(end, StandardCharsets.UTF_8);
        return get("transactions", "/v2/payments/transactions" + query)
                .orElseThrow(() -> new Unavailable("error", "Mono answered 404 for its payment list", 0));
    }

    /**
     * Whether a reference or id can be sent as one path segment: not only dots ({@code .} and {@code ..} are
     * resolved as paths by servers and proxies on the way), no slash or backslash, no control character, at most
     * 255 characters. One that cannot is not a reference Mono issued.
     */
    public static boolean isSafeSegment(String value) {
        return value != null && !value.isEmpty() && value.length() <= 255 && !value.chars().allMatch(ch -> ch == '.')
                && value.chars().noneMatch(ch -> ch == '/' || ch == '\\' || Character.isISOControl(ch));
    }

    /** A path segment: a reference from a webhook (anyone holding the webhook secret writes it) cannot leave it. */
    private static String segment(String value) {
        if (!isSafeSegment(value)) {
            throw new IllegalArgumentException("not a safe path segment (checked by the caller first)");
        }
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** One call, a client span of whatever is current (applying an event, a sweep). */
    private Optional<JsonNode> get(String endpoint, String pathAndQuery) throws Unavailable {
        try (Tracing.Traced span = tracing.start("GET Mono API " + endpoint, SpanKind.CLIENT)) {
            span.set("http.request.method", "GET").set("server.address", host).set("mono.api.endpoint", endpoint);
            try {
                Optional<JsonNode> answer = callWithinLimits(endpoint, pathAndQuery);
                span.set("mono.api.outcome", answer.isPresent() ? "ok" : "not_found");
                return answer;
            } catch (Unavailable e) {
                span.set("mono.api.outcome", e.outcome());
                span.failed(e.getMessage());
                throw e;
            }
        }
    }

    private Optional<JsonNode> callWithinLimits(String endpoint, String pathAndQuery) throws Unavailable {
        long paused = pausedUntil.get() - System.currentTimeMillis();
        if (paused > 0) {
            metrics.call(endpoint, "rate_limited", 0);
            throw new Unavailable("rate_limited", "Mono asked us to wait (429); " + paused + " ms to go", paused);
        }
        try {
            RateLimiter.waitForPermission(rateLimiter);
        } catch (RequestNotPermitted e) {
            throw new Unavailable("rate_limited", "over mono.api.max-requests-per-second for 30 s", 1_000);
        }
        if (!breaker.tryAcquirePermission()) {
            metrics.call(endpoint, "circuit_open", 0);
            throw new Unavailable("circuit_open", "Mono's API failed " + settings.breakerFailures()
                    + " times in a row; no calls for mono.api.breaker-open-for", settings.breakerOpenForMs());
        }
        long start = System.nanoTime();
        try {
            Optional<JsonNode> answer = call(endpoint, pathAndQuery);
            breaker.onSuccess(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            metrics.call(endpoint, answer.isPresent() ? "ok" : "not_found", System.nanoTime() - start);
            return answer;
        } catch (Unavailable e) {
            if ("rate_limited".equals(e.outcome())) {
                breaker.releasePermission();
            } else {
                breaker.onError(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS, e);
            }
            metrics.call(endpoint, e.outcome(), System.nanoTime() - start);
            throw e;
        } catch (CallNotPermittedException e) {
            throw new Unavailable("circuit_open", "circuit breaker open", settings.breakerOpenForMs());
        } catch (RuntimeException e) {
            // The permission taken above must be given back, or a half-open breaker would stay half-open for good.
            breaker.onError(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS, e);
            metrics.call(endpoint, "error", System.nanoTime() - start);
            throw new Unavailable("error", endpoint + ": " + e.getClass().getSimpleName(), 0);
        }
    }

    private Optional<JsonNode> call(String endpoint, String pathAndQuery) throws Unavailable {
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.baseUrl() + pathAndQuery))
                .timeout(Duration.ofMillis(settings.readTimeoutMs()))
                .header(KEY_HEADER, secretKey)
                .header("Accept", "application/json")
                .GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new Unavailable("timeout", endpoint + ": no answer within " + settings.readTimeoutMs() + " ms", 0);
        } catch (IOException e) {
            throw new Unavailable("error", endpoint + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("error", endpoint + ": interrupted", 0);
        }
        int status = response.statusCode();
        if (status == 404) {
            return Optional.empty();
        }
        if (status == 429) {
            long wait = retryAfterMs(response.headers().firstValue("Retry-After").orElse(null));
            pausedUntil.accumulateAndGet(System.currentTimeMillis() + wait, Math::max);
            throw new Unavailable("rate_limited", endpoint + ": Mono answered 429, waiting " + wait + " ms", wait);
        }
        if (status >= 500) {
            throw new Unavailable("server_error", endpoint + ": Mono answered " + status, 0);
        }
        if (status != 200) {
            // 401/403: the key is wrong or lacks access; retrying later (with back-off) is all we can do.
            throw new Unavailable("error", endpoint + ": Mono answered " + status + (status == 401 || status == 403
                    ? " (is mono.api.secret-key the app's live secret key?)" : ""), 0);
        }
        try {
            return Optional.of(mapper.readTree(response.body()));
        } catch (IOException e) {
            throw new Unavailable("error", endpoint + ": Mono's answer is not JSON", 0);
        }
    }

    /** Retry-After in seconds or as an HTTP date; a minute when absent or unreadable. */
    static long retryAfterMs(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_RETRY_AFTER_MS;
        }
        String v = value.trim();
        if (v.matches("\\d{1,9}")) {
            return Long.parseLong(v) * 1_000;
        }
        try {
            long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return Math.max(0, at - System.currentTimeMillis());
        } catch (DateTimeParseException e) {
            return DEFAULT_RETRY_AFTER_MS;
        }
    }
}
