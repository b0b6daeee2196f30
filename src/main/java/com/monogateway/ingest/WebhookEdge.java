package com.monogateway.ingest;

import com.monogateway.config.SecretMatcher;
import com.monogateway.http.Answers;
import com.monogateway.http.Refusals;
import com.monogateway.operations.GatewayMetrics;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook secret check at the HTTP edge: runs on the Vert.x router before Camel's body handler,
 * so a request without the right {@code mono-webhook-secret} header is answered 401 before its body is
 * read into memory. The secret is taken only from the raw request header, and only when it is sent
 * exactly once: Camel merges query parameters and form fields into message headers, and secrets in
 * URLs end up in proxy logs.
 */
public final class WebhookEdge implements Consumer<Router> {

    public static final String SECRET_HEADER = "mono-webhook-secret";

    // Ahead of the platform-http consumer's route (order 0 and up) and its body handler.
    private static final int ORDER = -1_000;
    private static final String REFUSAL = Answers.error("unauthorized", "missing or invalid " + SECRET_HEADER + " header");
    private static final Logger LOG = LoggerFactory.getLogger(WebhookEdge.class);

    private final String path;
    private final SecretMatcher secrets;
    private final GatewayMetrics metrics;
    private final long maxBodyBytes;

    public WebhookEdge(String path, SecretMatcher secrets, GatewayMetrics metrics, long maxBodyBytes) {
        this.path = path;
        this.secrets = secrets;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The secret a request presents: its one {@code mono-webhook-secret} header, or null (none, or several). */
    public static String presentedSecret(MultiMap headers) {
        List<String> values = headers.getAll(SECRET_HEADER);
        return values.size() == 1 ? values.get(0) : null;
    }

    @Override
    public void accept(Router router) {
        router.route(HttpMethod.POST, path).order(ORDER).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String secret = presentedSecret(request.headers());
        if (secret != null && secrets.accepts(secret)) {
            ctx.next();
            return;
        }
        long started = System.nanoTime();
        LOG.warn("Refused a webhook from {}: {} {} header", Refusals.remote(ctx),
                request.headers().contains(SECRET_HEADER) ? "invalid" : "missing", SECRET_HEADER);
        metrics.event(GatewayMetrics.UNKNOWN_TYPE, GatewayMetrics.UNAUTHORIZED);
        Refusals.refuse(ctx, 401, REFUSAL, maxBodyBytes);
        metrics.answered(401, System.nanoTime() - started);
    }
}
