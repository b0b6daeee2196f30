package com.monogateway.failure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.config.SecretMatcher;
import com.monogateway.http.Answers;
import com.monogateway.ingest.IngestRoutes;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' HTTP API for the dead-letter store, under {@code /admin}, behind a bearer token
 * ({@code mono.admin.token}). Only added when a token is configured.
 */
public final class AdminRoutes extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
    private static final int MAX_LIST = 500;

    /** What an admin request carries, taken before its headers are dropped. */
    private record Request(String authorization, Map<String, String> params, String body) {
        Optional<String> param(String name) {
            return Optional.ofNullable(params.get(name)).map(String::trim).filter(v -> !v.isEmpty());
        }
    }

    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private interface Handler {
        void handle(Exchange exchange, Request request) throws Exception;
    }

    private final DeadLetters deadLetters;
    private final SecretMatcher tokens;
    private final ObjectMapper mapper;
    private final ProducerTemplate template;

    public AdminRoutes(DeadLetters deadLetters, SecretMatcher tokens, ObjectMapper mapper, ProducerTemplate template) {
        this.deadLetters = deadLetters;
        this.tokens = tokens;
        this.mapper = mapper;
        this.template = template;
    }

    @Override
    public void configure() {
        errorHandler(defaultErrorHandler()); // the context default is none; onException needs one
        onException(Exception.class).handled(true).process(e -> {
            LOG.error("Admin request failed", e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
            Answers.set(e, 503, Answers.error("unavailable", "the request could not be completed; retry later"));
        });

        admin("GET", "/admin/dead-letters", "mono-admin-list", this::list);
        admin("POST", "/admin/dead-letters/replay", "mono-admin-replay-matching", this::replayMatching);
        admin("POST", "/admin/dead-letters/{id}/replay", "mono-admin-replay", this::replayOne);
        admin("POST", "/admin/dead-letters/{id}/discard", "mono-admin-discard", this::discard);
    }

    private void admin(String method, String path, String routeId, Handler handler) {
        from("platform-http:" + path + "?httpMethodRestrict=" + method + "&muteException=true")
                .routeId(routeId)
                .process(exchange -> {
                    Request request = take(exchange);
                    if (!tokens.accepts(bearer(request.authorization()))) {
                        LOG.warn("Refused an admin request to {}: missing or invalid bearer token", path);
                        Answers.set(exchange, 401, Answers.error("unauthorized", "missing or invalid bearer token"));
                        return;
                    }
                    try {
                        handler.handle(exchange, request);
                    } catch (BadRequest e) {
                        Answers.set(exchange, 400, Answers.error("bad_request", e.getMessage()));
                    }
                });
    }

    /** Copies what the handlers need and drops every request header, so none reaches the answer. */
    private static Request take(Exchange exchange) {
        var in = exchange.getIn();
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : List.of("id", "status", "eventType", "from", "to", "limit")) {
            Object value = in.getHeader(name);
            if (value instanceof String s) {
                params.put(name, s);
            }
        }
        Request request = new Request(in.getHeader("Authorization", String.class), params, in.getBody(String.class));
        in.removeHeaders("*");
        in.setBody(null);
        return request;
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }

    private void list(Exchange exchange, Request request) throws Exception {
        String status = request.param("status").orElse("open");
        if (!List.of("open", "replayed", "discarded").contains(status)) {
            throw new BadRequest("status must be open, replayed or discarded");
        }
        int limit = request.param("limit").map(AdminRoutes::limit).orElse(100);
        var rows = deadLetters.list(status, request.param("eventType"), time(request, "from"), time(request, "to"), limit);
        answer(exchange, 200, Map.of("deadLetters", rows, "count", rows.size()));
    }

    private void replayOne(Exchange exchange, Request request) throws Exception {
        long id = id(request);
        List<Long> inboxIds = new ArrayList<>();
        switch (deadLetters.replay(id, inboxIds)) {
            case NOT_FOUND -> Answers.set(exchange, 404, Answers.error("not_found", "no dead letter #" + id));
            case NOT_OPEN -> Answers.set(exchange, 409, Answers.error("not_open", "dead letter #" + id + " was already replayed or discarded"));
            case DONE -> {
                process(inboxIds);
                LOG.info("Dead letter #{} replayed", id);
                answer(exchange, 200, Map.of("replayed", 1, "deadLetterId", id));
            }
        }
    }

    private void replayMatching(Exchange exchange, Request request) throws Exception {
        Optional<String> type = request.param("eventType");
        Optional<OffsetDateTime> from = time(request, "from");
        Optional<OffsetDateTime> to = time(request, "to");
        if (type.isEmpty() && from.isEmpty() && to.isEmpty()) {
            throw new BadRequest("give eventType and/or a time range (from, to); this call never replays everything at once");
        }
        List<Long> inboxIds = deadLetters.replayMatching(type, from, to);
        process(inboxIds);
        LOG.info("Replayed {} dead letter(s) (eventType={}, from={}, to={})", inboxIds.size(),
                type.orElse("any"), from.map(Object::toString).orElse("-"), to.map(Object::toString).orElse("-"));
        answer(exchange, 200, Map.of("replayed", inboxIds.size()));
    }

    private void discard(Exchange exchange, Request request) throws Exception {
        long id = id(request);
        String reason;
        try {
            reason = request.body() == null || request.body().isBlank() ? null : mapper.readTree(request.body()).path("reason").asText(null);
        } catch (Exception e) {
            throw new BadRequest("the body must be JSON: {\"reason\": \"...\"}");
        }
        if (reason == null || reason.isBlank()) {
            throw new BadRequest("say why: {\"reason\": \"...\"}");
        }
        switch (deadLetters.discard(id, reason.strip())) {
            case NOT_FOUND -> Answers.set(exchange, 404, Answers.error("not_found", "no dead letter #" + id));
            case NOT_OPEN -> Answers.set(exchange, 409, Answers.error("not_open", "dead letter #" + id + " was already replayed or discarded"));
            case DONE -> answer(exchange, 200, Map.of("discarded", 1, "deadLetterId", id));
        }
    }

    /** Hands replayed events to the processing side now instead of waiting for the sweep. */
    private void process(List<Long> inboxIds) {
        if (!inboxIds.isEmpty()) {
            template.sendBody(IngestRoutes.NEW_EVENTS + "&waitForTaskToComplete=Never&discardWhenFull=true", "replayed");
        }
    }

    private void answer(Exchange exchange, int status, Object body) throws Exception {
        Answers.set(exchange, status, mapper.writeValueAsString(body));
    }

    private static long id(Request request) throws BadRequest {
        try {
            return Long.parseLong(request.param("id").orElse(""));
        } catch (NumberFormatException e) {
            throw new BadRequest("the dead letter id must be a number");
        }
    }

    private static int limit(String raw) {
        try {
            return Math.max(1, Math.min(MAX_LIST, Integer.parseInt(raw)));
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    private static Optional<OffsetDateTime> time(Request request, String name) throws BadRequest {
        Optional<String> raw = request.param(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(raw.get()));
        } catch (DateTimeParseException e) {
            throw new BadRequest(name + " must be an ISO-8601 time such as 2024-05-01T10:00:00Z");
        }
    }
}
