package com.monogateway.monoapi;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** Calls to Mono's API by endpoint and outcome, their latency, verification results and reconciled payments. */
public final class MonoApiMetrics {

    private final MeterRegistry registry;

    public MonoApiMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** outcome: ok, not_found, rate_limited, server_error, timeout, error, circuit_open. */
    void call(String endpoint, String outcome, long nanos) {
        Counter.builder("mono.api.calls").description("Calls to Mono's API, by endpoint and outcome")
                .tag("endpoint", endpoint).tag("outcome", outcome).register(registry).increment();
        if (nanos > 0) {
            Timer.builder("mono.api.call").description("Time Mono's API took to answer").tag("endpoint", endpoint)
                    .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** result: verified, mismatch, not_found. */
    void verification(String result) {
        Counter.builder("mono.payment.verifications").description("Payments checked against Mono's API, by result")
                .tag("result", result).register(registry).increment();
    }

    /** via: check (a payment we knew, still not final) or sweep (one we never heard of). */
    void reconciled(String via) {
        Counter.builder("mono.payments.reconciled").description("Payment states learnt from Mono's API instead of a webhook")
                .tag("via", via).register(registry).increment();
    }

    void watch(CircuitBreaker breaker) {
        Gauge.builder("mono.api.circuit.open", breaker, b -> b.getState() == CircuitBreaker.State.OPEN ? 1 : 0)
                .description("1 while calls to Mono's API are stopped by the circuit breaker").register(registry);
    }
}
