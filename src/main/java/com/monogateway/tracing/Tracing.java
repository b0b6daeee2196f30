package com.monogateway.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.MDC;

/**
 * The gateway's traces: one trace per webhook request, followed through storing, applying (and each call to
 * Mono's API made while applying) and every delivery attempt, which passes it on to the ESB as a W3C
 * {@code traceparent}. The request's traceparent is stored with the event, so processing and delivery continue
 * the trace on whichever thread or instance they run.
 *
 * <p>Off unless the standard OpenTelemetry settings ask for traces ({@code OTEL_EXPORTER_OTLP_ENDPOINT},
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} or {@code OTEL_TRACES_EXPORTER=otlp}, as environment variables,
 * system properties or {@code otel.*} keys of application.properties). Off, nothing is created: every
 * {@link #start} answers one shared no-op, no traceparent is stored or sent.
 */
public final class Tracing implements AutoCloseable {

    /** The W3C header (HTTP), record header (Kafka) and message property (JMS, AMQP) that carries a trace on. */
    public static final String TRACEPARENT = "traceparent";
    /** Log lines' fields while a span is current (Elastic Common Schema). */
    public static final String MDC_TRACE_ID = "trace.id";
    public static final String MDC_SPAN_ID = "span.id";

    public static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("mono.event_type");
    public static final AttributeKey<String> DEDUPE_KEY = AttributeKey.stringKey("mono.dedupe_key");
    public static final AttributeKey<Long> INBOX_ID = AttributeKey.longKey("mono.inbox_id");

    /** The standard keys that switch traces on or off (the rest the OpenTelemetry SDK reads itself). */
    private static final String DISABLED = "otel.sdk.disabled";
    private static final String EXPORTER = "otel.traces.exporter";
    private static final String ENDPOINT = "otel.exporter.otlp.endpoint";
    private static final String TRACES_ENDPOINT = "otel.exporter.otlp.traces.endpoint";

    public static final Tracing OFF = new Tracing(null);

    private static final TextMapGetter<String> ONE_TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(TRACEPARENT);
        }

        @Override
        public String get(String carrier, String key) {
            return TRACEPARENT.equals(key) ? carrier : null;
        }
    };

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;

    private Tracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
        this.tracer = sdk == null ? null : sdk.getTracer("mono-webhook-gateway");
    }

    /**
     * Traces as the standard settings ask: {@code otel.*} system properties first, then {@code OTEL_*} environment
     * variables, then the gateway's own {@code otel.*} keys ({@code gatewayKeys}: application.properties, packed and
     * local, the profile's file and the overrides a test gives).
     */
    public static Tracing configure(Properties gatewayKeys) {
        Map<String, String> fromGateway = new HashMap<>();
        // A key left empty (as the packed application.properties leaves the endpoint) is not set.
        gatewayKeys.stringPropertyNames().stream().filter(k -> k.startsWith("otel.") && !gatewayKeys.getProperty(k).isBlank())
                .forEach(k -> fromGateway.put(k, gatewayKeys.getProperty(k).strip()));
        Function<String, String> setting = key -> {
            String value = System.getProperty(key);
            if (value == null) {
                value = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            }
            return value == null || value.isBlank() ? fromGateway.get(key) : value.strip();
        };
        if (!wanted(setting)) {
            return OFF;
        }
        String exporter = setting.apply(EXPORTER);
        if (exporter != null && !exporter.equals("otlp")) {
            throw new IllegalArgumentException("otel.traces.exporter (OTEL_TRACES_EXPORTER) must be otlp or none, not '"
                    + exporter + "': the gateway sends its traces with OTLP only");
        }
        String protocol = setting.apply("otel.exporter.otlp.protocol");
        String tracesProtocol = setting.apply("otel.exporter.otlp.traces.protocol");
        if (!"http/protobuf".equals(tracesProtocol != null ? tracesProtocol : protocol != null ? protocol : "http/protobuf")) {
            throw new IllegalArgumentException("otel.exporter.otlp.protocol (OTEL_EXPORTER_OTLP_PROTOCOL) must be http/protobuf:"
                    + " the gateway sends its traces with OTLP over HTTP only (port 4318 of a collector, not gRPC's 4317)");
        }
        Map<String, String> defaults = new HashMap<>(Map.of(
                "otel.service.name", "mono-webhook-gateway",
                EXPORTER, "otlp",
                "otel.exporter.otlp.protocol", "http/protobuf",
                // Traces only: the gateway's metrics are Prometheus's, its logs the console's.
                "otel.metrics.exporter", "none",
                "otel.logs.exporter", "none"));
        defaults.putAll(fromGateway);
        try {
            return new Tracing(AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .disableShutdownHook() // closed with the gateway, after the last spans
                    .build().getOpenTelemetrySdk());
        } catch (io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException e) {
            // A bad OTEL_* value (a sampler, a header list): the start stops with OpenTelemetry's own words for it.
            throw new IllegalArgumentException("the OpenTelemetry settings (OTEL_* / otel.*) cannot be used: " + e.getMessage(), e);
        }
    }

    private static boolean wanted(Function<String, String> setting) {
        if ("true".equalsIgnoreCase(setting.apply(DISABLED))) {
            return false;
        }
        String exporter = setting.apply(EXPORTER);
        if (exporter != null) {
            return !exporter.equals("none");
        }
        return setting.apply(ENDPOINT) != null || setting.apply(TRACES_ENDPOINT) != null;
    }

    /** A span, child of this thread's current one (or a new trace), current in this thread until it is closed. */
    public Traced start(String name, SpanKind kind) {
        return sdk == null ? Traced.NONE : begin(name, kind, Context.current());
    }

    /**
     * A span continuing the trace of {@code traceparent} (as stored with the event; null or unreadable: a new
     * trace), current in this thread until it is closed.
     */
    public Traced continueTrace(String name, SpanKind kind, String traceparent) {
        if (sdk == null) {
            return Traced.NONE;
        }
        Context parent = traceparent == null ? Context.root()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, ONE_TRACEPARENT);
        return begin(name, kind, parent);
    }

    /** This thread's current span as a traceparent (null: none, or tracing off): what a new event continues. */
    public static String currentTraceparent() {
        return traceparent(Span.current().getSpanContext());
    }

    private static String traceparent(SpanContext ids) {
        return ids.isValid() ? "00-" + ids.getTraceId() + "-" + ids.getSpanId() + "-" + ids.getTraceFlags().asHex() : null;
    }

    /**
     * A span, child of this thread's current one, that is not made current: for work that ends on another thread
     * (such as a commit the request waits for without a thread of its own). Close it from any thread.
     */
    public Traced startAside(String name, SpanKind kind) {
        return sdk == null ? Traced.NONE
                : new Traced(tracer.spanBuilder(name).setSpanKind(kind).setParent(Context.current()).startSpan(), null);
    }

    private Traced begin(String name, SpanKind kind, Context parent) {
        Span span = tracer.spanBuilder(name).setSpanKind(kind).setParent(parent).startSpan();
        return new Traced(span, span.makeCurrent());
    }

    /** Sends the spans still buffered and stops (the gateway stops). */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
            sdk.close();
        }
    }

    /** One span, current in its thread (and named in its log lines) until {@link #close}. */
    public static final class Traced implements AutoCloseable {

        static final Traced NONE = new Traced(null, null);

        private final Span span;
        // Null while the span is not current in any thread (started aside, or left).
        private Scope scope;
        private String outerTraceId;
        private String outerSpanId;

        private Traced(Span span, Scope scope) {
            this.span = span;
            this.scope = scope;
            if (scope != null) {
                nameInThisThread();
            }
        }

        private void nameInThisThread() {
            outerTraceId = MDC.get(MDC_TRACE_ID);
            outerSpanId = MDC.get(MDC_SPAN_ID);
            SpanContext ids = span.getSpanContext();
            MDC.put(MDC_TRACE_ID, ids.getTraceId());
            MDC.put(MDC_SPAN_ID, ids.getSpanId());
        }

        /**
         * No longer current in this thread, nor named in its log lines; the span goes on. For a request whose thread
         * moves on to others while it waits: {@link #enter} where it continues, then {@link #close}.
         */
        public void leave() {
            if (scope != null) {
                scope.close();
                scope = null;
                restore(MDC_TRACE_ID, outerTraceId);
                restore(MDC_SPAN_ID, outerSpanId);
            }
        }

        /** Current in this thread again (after {@link #leave}), until it is closed. */
        public void enter() {
            if (span != null && scope == null) {
                nameInThisThread();
                scope = span.makeCurrent();
            }
        }

        /** This span as a W3C traceparent, to store or send on; null when tracing is off. */
        public String traceparent() {
            return span == null ? null : Tracing.traceparent(span.getSpanContext());
        }

        public <T> Traced set(AttributeKey<T> key, T value) {
            if (span != null && value != null) {
                span.setAttribute(key, value);
            }
            return this;
        }

        /** A whole number, without boxing it (nor anything else) when tracing is off. */
        public Traced set(AttributeKey<Long> key, long value) {
            if (span != null) {
                span.setAttribute(key, value);
            }
            return this;
        }

        // The key is made only for a span: off, these cost a null check.
        public Traced set(String key, String value) {
            return span == null ? this : set(AttributeKey.stringKey(key), value);
        }

        public Traced set(String key, long value) {
            return span == null ? this : set(AttributeKey.longKey(key), value);
        }

        /** Names this span in this thread's log lines (it is a set's, opened beside others; closing restores the names). */
        public void nameInLogs() {
            if (span != null) {
                MDC.put(MDC_TRACE_ID, span.getSpanContext().getTraceId());
                MDC.put(MDC_SPAN_ID, span.getSpanContext().getSpanId());
            }
        }

        /** Marks the span failed, with the error as the gateway logs it (never a secret: callers mask first). */
        public void failed(String error) {
            if (span != null) {
                span.setStatus(StatusCode.ERROR, error);
            }
        }

        @Override
        public void close() {
            if (span == null) {
                return;
            }
            span.end();
            leave();
        }

        private static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }
}
