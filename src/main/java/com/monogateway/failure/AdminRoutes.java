package com.monogateway.failure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.admin.AdminHttp;
import com.monogateway.admin.AdminOperation;
import com.monogateway.admin.AdminRequest;
import com.monogateway.http.Answers;
import com.monogateway.ingest.IngestRoutes;
import io.vertx.core.http.HttpMethod;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' API for the dead-letter store, under {@code /admin} on the management port. These
 * routes hold what each call does; {@link AdminHttp} checks the bearer token ({@code mono.admin.token})
 * and hands calls over. Only added when a token is configured.
 */
public final class AdminRoutes extends RouteBuilder {

    /** The calls these routes answer, for {@link AdminHttp}. */
    public static final List<AdminOperation> OPERATIONS = List.of(
            new AdminOperation(HttpMethod.GET, "/admin/dead-letters", "direct:mono-admin-list"),
            new AdminOperation(HttpMethod.POST, "/admin/dead-letters/replay", "direct:mono-admin-replay-matching"),
            new AdminOperation(HttpMethod.POST, "/admin/dead-letters/:id/replay", "direct:mono-admin-replay"),
            new AdminOperation(HttpMethod.POST, "/admin/dead-letters/:id/discard", "direct:mono-admin-discard"));

    private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
    private static final int MAX_LIST = 500;

    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private interface Handler {
        void handle(Exchange exchange, AdminRequest request) throws Exception;
    }

    private final DeadLetters deadLetters;
    private final ObjectMapper mapper;
    private final ProducerTemplate template;

    public AdminRoutes(DeadLetters deadLetters, ObjectMapper mapper, ProducerTemplate template) {
        this.deadLetters = deadLetters;
        this.mapper = mapper;
        this.template = template;
    }

    @Override
    public void configure() {
        errorHandler(defaultErrorHandler()); // the context default is none; onException needs one
        onException(Exception.class).handled(true).process(e -> {
            Exception cause = e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                // PostgreSQL refused a value the caller gave (a date out of its range, a NUL byte): the caller's mistake.
                Answers.set(e, 400, Answers.error("bad_request", "a filter value is out of range: " + firstLine(sql.getMessage())));
                return;
            }
            LOG.error("Admin request failed", cause);
            Answers.set(e, 503, Answers.error("unavailable", "the request could not be completed; retry later"));
        });

        admin("direct:mono-admin-list", this::list);
        admin("direct:mono-admin-replay-matching", this::replayMatching);
        admin("direct:mono-admin-replay", this::replayOne);
        admin("direct:mono-admin-discard", this::discard);
    }

    private void admin(String endpoint, Handler handler) {
        from(endpoint)
                .routeId(endpoint.substring("direct:".length()))
                .process(exchange -> {
                    AdminRequest request = exchange.getIn().getBody(AdminRequest.class);
                    try {
                        handler.handle(exchange, request);
                    } catch (BadRequest e) {
                        Answers.set(exchange, 400, Answers.error("bad_request", e.getMessage()));
                    }
                });
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    private void list(Exchange exchange, AdminRequest request) throws Exception {
        String status = request.param("status").orElse("open");
        if (!List.of("open", "replayed", "discarded").contains(status)) {
            throw new BadRequest("status must be open, replayed or discarded");
        }
        int limit = request.param("limit").map(AdminRoutes::limit).orElse(100);
        var rows = deadLetters.list(status, request.param("eventType"), time(request, "from"), time(request, "to"), limit);
        answer(exchange, 200, Map.of("deadLetters", rows, "count", rows.size()));
    }

    private void replayOne(Exchange exchange, AdminRequest request) throws Exception {
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

    private void replayMatching(Exchange exchange, AdminRequest request) throws Exception {
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

    private void discard(Exchange exchange, AdminRequest request) throws Exception {
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

    private static long id(AdminRequest request) throws BadRequest {
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

    private static Optional<OffsetDateTime> time(AdminRequest request, String name) throws BadRequest {
        Optional<String> raw = request.param(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        OffsetDateTime time;
        try {
            time = OffsetDateTime.parse(raw.get());
        } catch (DateTimeParseException e) {
            throw new BadRequest(name + " must be an ISO-8601 time such as 2024-05-01T10:00:00Z");
        }
        // PostgreSQL's timestamptz ends in year 294276; a request for years beyond 9999 is a mistake anyway.
        if (time.getYear() < 1 || time.getYear() > 9999) {
            throw new BadRequest(name + " must be a time between the years 1 and 9999");
        }
        return Optional.of(time);
    }
}
