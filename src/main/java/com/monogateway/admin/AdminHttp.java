package com.monogateway.admin;

import com.monogateway.config.SecretMatcher;
import com.monogateway.http.Answers;
import com.monogateway.http.Refusals;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's HTTP side, on the management port's router (never the webhook port): checks the
 * bearer token from the one {@code Authorization} header before the body is read, slows down an
 * address that keeps failing (429 with {@code Retry-After}), then hands the call to its Camel route
 * with only the path and query-string parameters and the body: no request header reaches a route.
 */
public final class AdminHttp {

    /** Failed sign-ins one address may make in a window before it is refused until the window ends. */
    static final int MAX_FAILURES = 10;
    static final long WINDOW_MS = 60_000;
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int ORDER = -1_000;

    private static final Logger LOG = LoggerFactory.getLogger(AdminHttp.class);

    private final SecretMatcher tokens;
    private final ProducerTemplate template;
    private final List<AdminOperation> operations;
    private final FailedAttempts failures = new FailedAttempts(MAX_FAILURES, WINDOW_MS);

    public AdminHttp(SecretMatcher tokens, ProducerTemplate template, List<AdminOperation> operations) {
        this.tokens = tokens;
        this.template = template;
        this.operations = operations;
    }

    public void install(Router router) {
        router.route("/admin/*").order(ORDER).handler(this::authorize);
        router.route("/admin/*").order(ORDER + 1).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
        int order = ORDER + 2;
        for (AdminOperation operation : operations) {
            router.route(operation.method(), operation.path()).order(order++)
                    .blockingHandler(ctx -> dispatch(ctx, operation), false);
        }
        router.route("/admin/*").order(order).handler(ctx ->
                answer(ctx, 404, Answers.error("not_found", "no admin call " + ctx.request().method() + " " + ctx.normalizedPath())));
    }

    private void authorize(RoutingContext ctx) {
        String address = Refusals.remote(ctx);
        long now = System.currentTimeMillis();
        long wait = failures.blockedForSeconds(address, now);
        if (wait > 0) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(wait));
            Refusals.refuse(ctx, 429, Answers.error("too_many_requests",
                    "too many failed sign-ins from this address; retry after " + wait + " s"), MAX_BODY_BYTES);
            return;
        }
        List<String> authorization = ctx.request().headers().getAll(HttpHeaders.AUTHORIZATION);
        String token = authorization.size() == 1 ? bearer(authorization.get(0)) : null;
        if (token == null || !tokens.accepts(token)) {
            int failed = failures.failed(address, now);
            // Never the presented value: a mistyped token is most of a real one.
            LOG.warn("Refused an admin request from {} to {} {}: {} bearer token ({} failure(s) from there in this minute)",
                    address, ctx.request().method(), ctx.normalizedPath(), token == null ? "missing" : "invalid", failed);
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            Refusals.refuse(ctx, 401, Answers.error("unauthorized", "missing or invalid bearer token"), MAX_BODY_BYTES);
            return;
        }
        ctx.next();
    }

    private void dispatch(RoutingContext ctx, AdminOperation operation) {
        Map<String, String> params = new LinkedHashMap<>();
        try {
            var query = ctx.queryParams();
            for (String name : query.names()) {
                List<String> values = query.getAll(name);
                if (values.size() != 1) {
                    answer(ctx, 400, Answers.error("bad_request", "give " + name + " once"));
                    return;
                }
                params.put(name, values.get(0));
            }
        } catch (IllegalArgumentException e) {
            answer(ctx, 400, Answers.error("bad_request", "the query string is not valid URL encoding"));
            return;
        }
        params.putAll(ctx.pathParams());
        for (var entry : params.entrySet()) {
            if (entry.getValue().chars().anyMatch(Character::isISOControl)) {
                answer(ctx, 400, Answers.error("bad_request", entry.getKey() + " must not contain control characters"));
                return;
            }
        }
        Exchange exchange = new DefaultExchange(template.getCamelContext());
        exchange.getIn().setBody(new AdminRequest(params, ctx.body().asString()));
        template.send(operation.endpoint(), exchange);
        var message = exchange.getMessage();
        Integer status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (exchange.getException() != null || status == null) {
            LOG.error("Admin call {} {} failed", ctx.request().method(), ctx.normalizedPath(), exchange.getException());
            answer(ctx, 503, Answers.error("unavailable", "the request could not be completed; retry later"));
            return;
        }
        answer(ctx, status, message.getBody(String.class));
    }

    private static void answer(RoutingContext ctx, int status, String json) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(json);
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }
}
