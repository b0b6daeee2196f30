package com.monogateway.ingest;

import com.monogateway.event.MonoEnvelope;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.http.Answers;
import com.monogateway.operations.GatewayMetrics;
import com.monogateway.tracing.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import io.vertx.core.buffer.Buffer;
import com.monogateway.vocabulary.Vocabulary;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.sql.SQLException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.AsyncProcessorSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one authenticated webhook request (the secret was checked at the HTTP edge, {@link WebhookEdge},
 * before the body was read): checks the body, stores the event and sets the answer. Request headers are dropped before
 * anything else happens, so none of them can reach the response (Camel echoes headers), SQL parameters or emails.
 *
 * <p>Asynchronous, and never blocking the thread that calls it (the request's Vert.x event loop, see
 * {@link com.monogateway.http.EventLoopHttpEngine}): the body is checked there, the event handed to the inbox's writer,
 * and the request goes on, on the same event loop, once its group is committed. What has to wait (writing a rejected
 * body; the rare store that finds the writer's queue full) waits on a Vert.x worker thread.
 */
public final class WebhookReceiver extends AsyncProcessorSupport {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);

    private final Inbox inbox;
    private final ObjectMapper mapper;
    private final int maxBodyBytes;
    private final IngestGate gate;
    private final GatewayMetrics metrics;
    private final Tracing tracing;
    private final String spanName;

    public WebhookReceiver(Inbox inbox, ObjectMapper mapper, int maxBodyBytes, IngestGate gate,
            GatewayMetrics metrics, Tracing tracing, String webhookPath) {
        this.inbox = inbox;
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
        this.gate = gate;
        this.metrics = metrics;
        this.tracing = tracing;
        this.spanName = "POST " + webhookPath;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        return new Receipt(exchange, callback).begin();
    }

    /** One request, from its body to its answer, across the threads it passes. */
    private final class Receipt {
        private final Exchange exchange;
        private final AsyncCallback callback;
        private final long started = System.nanoTime();
        // Where the request continues after each wait: its event loop (null when called outside Vert.x: in place).
        private final Context home = Vertx.currentContext();
        // A new trace per request: the webhook port is public, so a traceparent a caller sends is not followed.
        private final Tracing.Traced span = tracing.start(spanName, SpanKind.SERVER);
        private MonoEnvelope event;
        private byte[] body;
        private String contentType;

        Receipt(Exchange exchange, AsyncCallback callback) {
            this.exchange = exchange;
            this.callback = callback;
        }

        /** True when answered at once (the caller's callback has been called), false when it goes on later. */
        boolean begin() {
            span.set("http.request.method", "POST");
            if (!gate.enter()) {
                exchange.getIn().removeHeaders("*");
                Answers.set(exchange, 503, IngestGate.REFUSAL);
                answered();
                span.close();
                callback.done(true);
                return true;
            }
            CompletionStage<Runnable> answer;
            try {
                answer = receive();
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            if (answer instanceof CompletableFuture<Runnable> now && now.isDone()) { // answered without waiting
                now.whenComplete((then, failure) -> finish(then, failure, true)); // runs here, now
                return true;
            }
            span.leave();
            Vocabulary.forgetEventInLogs();
            answer.whenComplete((then, failure) -> atHome(() -> finish(then, failure, false)));
            return false;
        }

        /** The answer, set by the step it completes with (on this request's event loop). */
        private CompletionStage<Runnable> receive() {
            long receiving = System.nanoTime();
            Message in = exchange.getIn();
            contentType = in.getHeader(Exchange.CONTENT_TYPE, String.class);
            // platform-http hands the body over as a Vert.x Buffer; Camel's converters would copy it through two streams.
            body = in.getBody() instanceof Buffer buffer ? buffer.getBytes() : in.getBody(byte[].class);
            in.removeHeaders("*");
            in.setBody(null);

            if (!isJson(contentType)) {
                return answer(415, Answers.error("unsupported_media_type", "send the event as application/json"));
            }
            if (body == null) {
                body = new byte[0];
            }
            if (body.length > maxBodyBytes) {
                return answer(413, Answers.error("payload_too_large", "the body is larger than " + maxBodyBytes + " bytes"));
            }
            try {
                event = MonoEnvelope.parse(body, mapper);
            } catch (MonoEnvelope.InvalidEventException e) {
                return reject(e.getMessage(), GatewayMetrics.UNKNOWN_TYPE);
            }
            Vocabulary.nameEventInLogs(event.eventType(), event.eventId(), event.dedupeKey());
            span.set(Tracing.EVENT_TYPE, event.eventType()).set(Tracing.DEDUPE_KEY, event.dedupeKey());
            // Processing and delivery continue the request's trace from what is stored with the event.
            Tracing.Traced storing = tracing.startAside("store event", SpanKind.INTERNAL);
            String traceparent = span.traceparent();
            CompletionStage<Inbox.Stored> stored = inbox.storeLater(event, traceparent);
            if (stored == null) { // the writer's queue is full: wait for room, as a thread that may wait
                stored = blocking(() -> inbox.store(event, traceparent));
            }
            CompletableFuture<Runnable> answer = new CompletableFuture<>();
            stored.whenComplete((row, failure) -> {
                if (row != null) {
                    storing.set(Tracing.INBOX_ID, row.id());
                } else {
                    storing.failed(firstLine(failure.getMessage()));
                }
                storing.close();
                atHome(() -> {
                    if (row != null) {
                        answer.complete(() -> stored(row, (System.nanoTime() - receiving) / 1_000_000));
                        return;
                    }
                    SQLException e = inbox.failure(failure);
                    if (Inbox.isDataError(e)) {
                        // PostgreSQL refused the content itself (what MonoEnvelope did not foresee): the sender's fault.
                        reject("PostgreSQL cannot store this JSON: " + firstLine(e.getMessage()), event.eventType())
                                .whenComplete((then, again) -> complete(answer, then, again));
                    } else {
                        span.failed(firstLine(e.getMessage()));
                        answer.completeExceptionally(e);
                    }
                });
            });
            return answer;
        }

        private void stored(Inbox.Stored stored, long ms) {
            if (stored.duplicate()) {
                LOG.info("Received {} event {}: duplicate of #{} ({} ms)", event.eventType(), event.dedupeKey(), stored.id(), ms);
                metrics.event(event.eventType(), GatewayMetrics.DUPLICATE);
                span.set("mono.duplicate_of", stored.id());
                Answers.set(exchange, 200, "{\"status\":\"duplicate\"}");
            } else {
                LOG.info("Received {} event {}: stored as #{} ({} ms)", event.eventType(), event.dedupeKey(), stored.id(), ms);
                metrics.event(event.eventType(), GatewayMetrics.RECEIVED);
                exchange.setProperty(Vocabulary.INBOX_ID, stored.id());
                span.set(Tracing.INBOX_ID, stored.id());
                Answers.set(exchange, 200, "{\"status\":\"received\"}");
            }
        }

        /** Keeps the body in rejected_events (on a worker thread: it waits for PostgreSQL), then answers 400. */
        private CompletionStage<Runnable> reject(String reason, String eventType) {
            return blocking(() -> {
                inbox.reject(body, contentType, reason);
                return null;
            }).thenApply(ignored -> () -> {
                metrics.event(eventType, GatewayMetrics.REJECTED);
                LOG.warn("Rejected an authenticated webhook body ({} bytes): {}", body.length, reason);
                Answers.set(exchange, 400, Answers.error("invalid_event", reason));
            });
        }

        /** Sets the answer (or the failure the route's error handler answers), then hands the request back to the route. */
        private void finish(Runnable answer, Throwable failure, boolean sync) {
            if (!sync) {
                span.enter();
                if (event != null) {
                    Vocabulary.nameEventInLogs(event.eventType(), event.eventId(), event.dedupeKey());
                }
            }
            try {
                if (answer != null) {
                    answer.run();
                } else {
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                            ? c.getCause() : failure;
                    // The route's error handler answers: 503 for an SQLException (Mono retries), 500 for anything else.
                    exchange.setException(cause instanceof Exception e ? e : inbox.failure(cause));
                }
            } finally {
                gate.exit();
                Vocabulary.forgetEventInLogs();
                answered();
                span.close();
            }
            callback.done(sync);
        }

        private void answered() {
            Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
            int answer = status == null ? 503 : status;
            metrics.answered(answer, System.nanoTime() - started);
            span.set("http.response.status_code", answer);
            if (answer >= 500) {
                span.failed("answered " + answer);
            }
        }

        private CompletionStage<Runnable> answer(int status, String json) {
            return CompletableFuture.completedFuture(() -> Answers.set(exchange, status, json));
        }

        /** Runs the work where a thread may wait (a Vert.x worker), the result arriving back as any other. */
        private <T> CompletionStage<T> blocking(Callable<T> work) {
            if (home == null) {
                try {
                    return CompletableFuture.completedFuture(work.call());
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            }
            return home.executeBlocking(work, false).toCompletionStage();
        }

        /** Continues on this request's event loop (the thread Camel called from), or in place outside Vert.x. */
        private void atHome(Runnable step) {
            if (home == null || Vertx.currentContext() == home) {
                step.run();
            } else {
                home.runOnContext(ignored -> step.run());
            }
        }

        private static void complete(CompletableFuture<Runnable> answer, Runnable then, Throwable failure) {
            if (failure == null) {
                answer.complete(then);
            } else {
                answer.completeExceptionally(failure);
            }
        }
    }

    /** A missing content type is fine (Mono's docs do not promise one); a declared one must be JSON. */
    static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json") || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid value";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
