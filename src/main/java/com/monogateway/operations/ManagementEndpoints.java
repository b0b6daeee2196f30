package com.monogateway.operations;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.health.HealthCheckRegistry;

/**
 * Health and metrics on the management port, as Camel's management server answers them
 * ({@code /observe/health}, {@code /live}, {@code /ready}: {@code {"status": "UP"|"DOWN", "checks": [...]}},
 * 503 when down, {@code ?data=true} for each check's details; {@code /observe/metrics}: Prometheus text).
 * Camel 4.22's camel-platform-http-main and camel-micrometer-prometheus are not served by the package
 * registry the project builds from, so the gateway serves these two paths itself, on the same guarded
 * server (timeouts, body limit) as the admin API.
 */
public final class ManagementEndpoints implements Consumer<Router> {

    /** The Prometheus text format the registry writes. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final CamelContext context;
    private final PrometheusMeterRegistry registry;
    private final boolean health;
    private final boolean metrics;
    private final ObjectMapper json = new ObjectMapper();

    public ManagementEndpoints(CamelContext context, PrometheusMeterRegistry registry, boolean health, boolean metrics) {
        this.context = context;
        this.registry = registry;
        this.health = health;
        this.metrics = metrics;
    }

    /** The JVM's and the process's meters (jvm_*, process_*, system_*) beside the gateway's own. */
    public static void bindJvmMeters(MeterRegistry registry) {
        new ClassLoaderMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    @Override
    public void accept(Router router) {
        if (health) {
            for (String kind : List.of("", "/live", "/ready")) {
                // Blocking: a check may ask the database.
                router.get("/observe/health" + kind).blockingHandler(ctx -> health(ctx, kind), false);
            }
        }
        if (metrics) {
            router.get("/observe/metrics").blockingHandler(ctx -> ctx.response().putHeader("Content-Type", PROMETHEUS_TEXT)
                    .end(registry.scrape()), false);
        }
    }

    private void health(RoutingContext ctx, String kind) {
        HealthCheckRegistry checks = HealthCheckRegistry.get(context);
        String level = checks == null ? "full" : checks.getExposureLevel();
        Collection<HealthCheck.Result> results = switch (kind) {
            case "/live" -> HealthCheckHelper.invokeLiveness(context, level);
            case "/ready" -> HealthCheckHelper.invokeReadiness(context, level);
            default -> HealthCheckHelper.invoke(context, level);
        };
        boolean up = HealthCheckHelper.isResultsUp(results, "/ready".equals(kind));
        boolean withData = "true".equals(ctx.request().getParam("data"));
        ObjectNode root = json.createObjectNode().put("status", up ? "UP" : "DOWN");
        if (!"oneline".equals(level)) {
            ArrayNode list = root.putArray("checks");
            for (HealthCheck.Result result : results) {
                if (!"full".equals(level) && result.getState() != HealthCheck.State.DOWN) {
                    continue;
                }
                ObjectNode check = list.addObject().put("name", result.getCheck().getId()).put("status", result.getState().name());
                result.getMessage().ifPresent(message -> check.put("message", message));
                result.getError().ifPresent(error -> check.put("error-message", causes(error)));
                if (withData && result.getDetails() != null && !result.getDetails().isEmpty()) {
                    Map<String, Object> sorted = new TreeMap<>();
                    result.getDetails().forEach((k, v) -> sorted.put(k, v == null ? "" : v instanceof Number || v instanceof Boolean ? v : v.toString()));
                    check.set("data", json.valueToTree(sorted));
                }
            }
        }
        ctx.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json").end(root.toString());
    }

    /** The error and its causes, as Camel's management server writes them; the root cause is what an operator needs. */
    private static String causes(Throwable error) {
        StringBuilder text = new StringBuilder(String.valueOf(error.getMessage()));
        for (Throwable t = error.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                text.append("; Caused by: ").append(t.getClass().getName()).append(": ").append(t.getMessage());
            }
        }
        return text.toString();
    }
}
