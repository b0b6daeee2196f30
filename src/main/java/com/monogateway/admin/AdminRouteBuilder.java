package com.monogateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.http.Answers;
import com.monogateway.http.HttpErrorAnswers;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.builder.endpoint.EndpointRouteBuilder;

/**
 * What every admin route shares: each call is a Camel route consuming its declared method and path on the
 * management port ({@code admin-http:/admin/dead-letters/{id}/replay?httpMethodRestrict=POST}, see
 * {@link AdminHttp#COMPONENT}), behind the one guard {@link AdminHttp} puts in front of them all; it reads an
 * {@link AdminRequest}; a client mistake answers 400, anything else 503. Subclasses add their calls with
 * {@link #admin} in {@link #configureCalls()}; without the admin API (no {@code mono.admin.token}) there are none.
 */
public abstract class AdminRouteBuilder extends EndpointRouteBuilder {

    private static final int MAX_LIST = 500;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AdminRouteBuilder.class);

    /** A client mistake: answered 400 with this message. */
    protected static final class BadRequest extends Exception {
        public BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** What one admin call does. */
    protected interface Handler {
        void handle(Exchange exchange, AdminRequest request) throws Exception;
    }

    protected final ObjectMapper mapper;

    protected AdminRouteBuilder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public final void configure() throws Exception {
        // The context's default is no error handler, and a route takes that over its configuration's.
        errorHandler(defaultErrorHandler());
        configureCalls();
    }

    protected abstract void configureCalls() throws Exception;

    /**
     * One admin call: {@code method} (GET, POST) on {@code path} (with {@code {name}} segments, which
     * {@link AdminRequest#param} reads by name). Paths that overlap ({@code /admin/events/replays} and
     * {@code /admin/events/{id}}) match in the order their routes are added: the fixed one first.
     */
    protected void admin(String method, String path, Handler handler) {
        if (getContext().hasComponent(AdminHttp.COMPONENT) == null) {
            return;
        }
        from(AdminHttp.COMPONENT + ":" + path + "?httpMethodRestrict=" + method + "&muteException=true")
                .routeId("mono-admin-" + method.toLowerCase(java.util.Locale.ROOT)
                        + path.substring("/admin".length()).replaceAll("[/{}]+", "-").replaceAll("-$", ""))
                .routeConfigurationId(HttpErrorAnswers.ADMIN)
                .process(exchange -> {
                    try {
                        AdminRequest request = AdminRequest.of(exchange, path);
                        // No request header (the token, the session cookie) stays where an answer could echo it.
                        exchange.getIn().removeHeaders("*");
                        handler.handle(exchange, request);
                    } catch (BadRequest e) {
                        Answers.set(exchange, 400, Answers.error("bad_request", e.getMessage()));
                    }
                    if (exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE) == null) {
                        // A call that set no answer would go out as 200 with the request's body.
                        LOG.error("Admin call {} {} set no answer", method, path);
                        Answers.set(exchange, 503, Answers.error("unavailable", "the request could not be completed; retry later"));
                    }
                });
    }

    protected void answer(Exchange exchange, int status, Object body) throws Exception {
        Answers.set(exchange, status, mapper.writeValueAsString(body));
    }

    protected static long id(AdminRequest request, String what) throws BadRequest {
        try {
            return Long.parseLong(request.param("id").orElse(""));
        } catch (NumberFormatException e) {
            throw new BadRequest("the " + what + " id must be a number");
        }
    }

    /** {@code limit}, 1 to 500, 100 when absent or not a number. */
    protected static int limit(AdminRequest request) {
        try {
            return request.param("limit").map(raw -> Math.max(1, Math.min(MAX_LIST, Integer.parseInt(raw)))).orElse(100);
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    /** The {@code reason} of a discard, from the JSON body. */
    protected String reason(AdminRequest request) throws BadRequest {
        String reason;
        try {
            reason = request.body() == null || request.body().isBlank() ? null : mapper.readTree(request.body()).path("reason").asText(null);
        } catch (Exception e) {
            throw new BadRequest("the body must be JSON: {\"reason\": \"...\"}");
        }
        if (reason == null || reason.isBlank()) {
            throw new BadRequest("say why: {\"reason\": \"...\"}");
        }
        return reason.strip();
    }

    protected static Optional<OffsetDateTime> time(AdminRequest request, String name) throws BadRequest {
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
