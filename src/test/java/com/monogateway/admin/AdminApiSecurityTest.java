package com.monogateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.RunningGateway;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API: on the management port only, a long token from the Authorization header only, throttled guessing. */
class AdminApiSecurityTest {

    private static final String TOKEN = "admin-token-0123456789abcdef0123456789";
    private static RunningGateway gateway;

    @BeforeAll
    static void start() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.admin.token", TOKEN);
        gateway = RunningGateway.start(settings);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void theAdminApiIsOnTheManagementPortAndNotOnTheWebhookPort() {
        assertEquals(200, gateway.admin("GET", "/admin/dead-letters", TOKEN, null).statusCode());
        HttpResponse<String> onWebhookPort = RunningGateway.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.port() + "/admin/dead-letters"))
                .header("Authorization", "Bearer " + TOKEN).build());
        assertEquals(404, onWebhookPort.statusCode());
        HttpResponse<String> replayOnWebhookPort = RunningGateway.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.port() + "/admin/dead-letters/replay?eventType=x"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(404, replayOnWebhookPort.statusCode());
    }

    @Test
    void theTokenCountsOnlyInTheAuthorizationHeader() {
        String encoded = URLEncoder.encode("Bearer " + TOKEN, StandardCharsets.UTF_8);
        HttpResponse<String> inQuery = RunningGateway.send(HttpRequest.newBuilder(
                gateway.managementUri("/admin/dead-letters?Authorization=" + encoded)).build());
        assertEquals(401, inQuery.statusCode());
        assertFalse(inQuery.body().contains(TOKEN));
    }

    @Test
    void filtersComeFromTheQueryStringAndClientMistakesGet400() {
        // A header named like a filter is not a filter: status=nonsense would be a 400.
        HttpResponse<String> headerFilter = RunningGateway.send(HttpRequest.newBuilder(gateway.managementUri("/admin/dead-letters"))
                .header("Authorization", "Bearer " + TOKEN).header("status", "nonsense").build());
        assertEquals(200, headerFilter.statusCode(), headerFilter.body());
        assertEquals(400, gateway.admin("GET", "/admin/dead-letters?status=nonsense", TOKEN, null).statusCode());
        assertEquals(400, gateway.admin("GET", "/admin/dead-letters?eventType=a%00b", TOKEN, null).statusCode(), "NUL byte");
        assertEquals(400, gateway.admin("GET", "/admin/dead-letters?from=%2B99999-01-01T00:00:00Z", TOKEN, null).statusCode(),
                "a year PostgreSQL cannot hold");
        assertEquals(400, gateway.admin("GET", "/admin/dead-letters?status=open&status=replayed", TOKEN, null).statusCode());
    }

    @Test
    void noRequestHeaderReachesTheAnswerOrStandsInForAPathParameter() throws Exception {
        HttpResponse<String> listed = RunningGateway.send(HttpRequest.newBuilder(gateway.managementUri("/admin/dead-letters"))
                .header("Authorization", "Bearer " + TOKEN).header("X-Probe", "echo-marker").header("Location", "echo-marker")
                .header("Cookie", "a=echo-marker").build());
        assertEquals(200, listed.statusCode(), listed.body());
        listed.headers().map().forEach((name, values) -> assertTrue(!name.equalsIgnoreCase("authorization")
                && values.stream().noneMatch(v -> v.contains("echo-marker") || v.contains(TOKEN)), name + ": " + values));
        assertEquals("no-store", listed.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("application/json", listed.headers().firstValue("Content-Type").orElse(""));

        // The dead letter's id is the path's, whatever a header of that name says.
        HttpResponse<String> byHeader = RunningGateway.send(HttpRequest.newBuilder(gateway.managementUri("/admin/dead-letters/424242/discard"))
                .header("Authorization", "Bearer " + TOKEN).header("id", "1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"test\"}")).build());
        assertEquals(404, byHeader.statusCode(), byHeader.body());
        assertTrue(byHeader.body().contains("no dead letter #424242"), byHeader.body());
        HttpResponse<String> notANumber = gateway.admin("POST", "/admin/dead-letters/abc/discard", TOKEN, "{\"reason\":\"test\"}");
        assertEquals(400, notANumber.statusCode(), notANumber.body());
        assertTrue(notANumber.body().contains("the dead letter id must be a number"), notANumber.body());

        // Java's HTTP client will not send a broken escape; a plain socket does.
        try (var socket = new java.net.Socket("127.0.0.1", gateway.managementPort())) {
            socket.getOutputStream().write(("GET /admin/dead-letters?eventType=%zz HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + TOKEN + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("not valid URL encoding"), answer);
        }
        HttpResponse<String> unknown = gateway.admin("GET", "/admin/dead-letters/1/replay", TOKEN, null);
        assertEquals(404, unknown.statusCode(), "replay is a POST");
        assertTrue(unknown.body().contains("no admin call GET /admin/dead-letters/1/replay"), unknown.body());
    }

    @Test
    void repeatedWrongTokensFromOneAddressAreSlowedDown() {
        // Its own gateway: the throttle must not slow the other tests down.
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.admin.token", TOKEN);
        try (RunningGateway own = RunningGateway.start(settings)) {
            for (int i = 0; i < AdminHttp.MAX_FAILURES; i++) {
                assertEquals(401, own.admin("GET", "/admin/dead-letters", TOKEN + "-wrong" + i, null).statusCode());
            }
            HttpResponse<String> throttled = own.admin("GET", "/admin/dead-letters", TOKEN + "-wrong", null);
            assertEquals(429, throttled.statusCode());
            long retryAfter = Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
            // Even the right token waits until the window ends: guessing must not go on in parallel.
            assertEquals(429, own.admin("GET", "/admin/dead-letters", TOKEN, null).statusCode());
        }
    }

    private static HttpResponse<String> signIn(RunningGateway gateway, String contentType, String origin, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.managementUri("/admin/session"))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        if (origin != null) {
            request.header("Origin", origin);
        }
        return RunningGateway.send(request.build());
    }

    @Test
    void signInIsOnlyASameOriginJsonPostSoAPageElsewhereCannotLockTheOperatorOut() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.admin.token", TOKEN);
        try (RunningGateway own = RunningGateway.start(settings)) {
            String wrong = "{\"token\":\"" + TOKEN + "-wrong\"}";
            // What a cross-site page can make a browser send: a form post, or JSON from its own origin.
            for (int i = 0; i < 3 * AdminHttp.MAX_FAILURES; i++) {
                assertEquals(415, signIn(own, "application/x-www-form-urlencoded", "https://evil.example", "token=x").statusCode());
                assertEquals(415, signIn(own, "text/plain", "https://evil.example", wrong).statusCode());
                assertEquals(403, signIn(own, "application/json", "https://evil.example", wrong).statusCode());
            }
            String self = "http://" + own.managementUri("/").getAuthority();
            HttpResponse<String> operator = signIn(own, "application/json", self, "{\"token\":\"" + TOKEN + "\"}");
            assertEquals(200, operator.statusCode(), "the operator is not locked out: " + operator.body());
            assertTrue(operator.body().contains("csrfToken"), operator.body());
        }
    }

    @Test
    void theManagementPortClosesHalfSentRequestsAfterTheRequestTimeout() throws Exception {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.admin.token", TOKEN);
        settings.setProperty("mono.http.request-timeout", "1s");
        try (RunningGateway own = RunningGateway.start(settings);
                java.net.Socket socket = new java.net.Socket("127.0.0.1", own.managementUri("/").getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("GET /observe/health HTTP/1.1\r\nHost: localhost\r\nX-Half: ".getBytes());
            socket.getOutputStream().flush();
            long started = System.nanoTime();
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 408") || answer.isEmpty(), answer);
            assertTrue(tookMs < 15_000, "closed by the gateway, not by the test's own timeout: " + tookMs + " ms");
        }
    }

    private static int asClient(RunningGateway gateway, String forwardedFor, String token) {
        return RunningGateway.send(HttpRequest.newBuilder(gateway.managementUri("/admin/dead-letters"))
                .header("Authorization", "Bearer " + token).header("X-Forwarded-For", forwardedFor).GET().build()).statusCode();
    }

    @Test
    void behindATrustedProxyEachClientHasItsOwnLimitAndTheHeaderIsIgnoredOtherwise() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.admin.token", TOKEN);
        settings.setProperty("mono.admin.trusted-proxies", "127.0.0.1");
        try (RunningGateway behindProxy = RunningGateway.start(settings)) {
            for (int i = 0; i < AdminHttp.MAX_FAILURES; i++) {
                assertEquals(401, asClient(behindProxy, "203.0.113.7", TOKEN + "-wrong"));
            }
            assertEquals(429, asClient(behindProxy, "203.0.113.7", TOKEN), "the guesser is slowed down");
            // A client can prepend anything; the proxy appends the address it saw, and that one counts.
            assertEquals(429, asClient(behindProxy, "198.51.100.1, 203.0.113.7", TOKEN));
            assertEquals(200, asClient(behindProxy, "203.0.113.8", TOKEN), "an operator behind the same proxy is not");
        }
        Properties direct = RunningGateway.defaults();
        direct.setProperty("mono.admin.token", TOKEN);
        try (RunningGateway noProxy = RunningGateway.start(direct)) {
            for (int i = 0; i < AdminHttp.MAX_FAILURES; i++) {
                assertEquals(401, asClient(noProxy, "203.0.113." + i, TOKEN + "-wrong"));
            }
            assertEquals(429, asClient(noProxy, "203.0.113.99", TOKEN), "without trusted proxies the header dodges nothing");
        }
    }

    @Test
    void aShortTokenOrOneEqualToAWebhookSecretStopsTheStart() {
        Properties shortToken = RunningGateway.defaults();
        shortToken.setProperty("mono.admin.token", "too-short-0123456789");
        Throwable failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(shortToken)));
        assertTrue(failure.getMessage().contains("mono.admin.token must be at least 32 characters"), failure.getMessage());
        assertFalse(failure.getMessage().contains("too-short-0123456789"), "the message must not repeat the token");

        Properties sameAsSecret = RunningGateway.defaults();
        String secret = "same-value-for-both-0123456789-abcdef";
        sameAsSecret.setProperty("mono.webhook.secret", secret);
        sameAsSecret.setProperty("mono.admin.token", secret);
        failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(sameAsSecret)));
        assertTrue(failure.getMessage().contains("must differ from every mono.webhook.secret"), failure.getMessage());
    }

}
