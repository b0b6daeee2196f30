package com.monogateway.support;

import com.monogateway.trigger.SampleEvents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Unique DirectPay events posted without pause by a few threads, as Mono would during a busy spell.
 * Remembers the event ids answered 200 (with the time each request was sent) and counts the rest
 * (other statuses, a closed port).
 */
public final class SteadyLoad implements AutoCloseable {

    /** The status counted for a request that got no answer at all (connection refused or reset). */
    public static final int NO_ANSWER = 0;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Map<String, Long> acceptedSentAt = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> statusCounts = new ConcurrentHashMap<>();
    private final AtomicInteger notAccepted = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService threads;

    public SteadyLoad(URI webhook, int threadCount, long seed) {
        this(webhook, threadCount, seed, "direct_debit.payment_successful");
    }

    public SteadyLoad(URI webhook, int threadCount, long seed, String eventType) {
        SampleEvents samples = new SampleEvents(new Random(seed));
        threads = Executors.newFixedThreadPool(threadCount);
        for (int t = 0; t < threadCount; t++) {
            threads.submit(() -> {
                while (!stop.get()) {
                    String event;
                    synchronized (samples) {
                        event = samples.next(eventType);
                    }
                    post(webhook, event);
                }
                return null;
            });
        }
    }

    private void post(URI webhook, String event) throws InterruptedException {
        String id = event.replaceAll(".*\"event_id\":\"([^\"]+)\".*", "$1");
        long sentAt = System.nanoTime();
        int status;
        try {
            status = HTTP.send(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                    .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            status = NO_ANSWER; // the gateway is down: Mono would retry later
        }
        statusCounts.computeIfAbsent(status, s -> new LongAdder()).increment();
        if (status == 200) {
            acceptedSentAt.put(id, sentAt);
        } else {
            notAccepted.incrementAndGet();
            if (status == NO_ANSWER) {
                Thread.sleep(20);
            }
        }
    }

    /** Event ids answered 200 so far. */
    public Set<String> accepted() {
        return acceptedSentAt.keySet();
    }

    /** How many events sent between the two {@link System#nanoTime()} readings were answered 200. */
    public long acceptedSentBetween(long fromNanos, long toNanos) {
        return acceptedSentAt.values().stream().filter(t -> t - fromNanos >= 0 && toNanos - t >= 0).count();
    }

    public int notAccepted() {
        return notAccepted.get();
    }

    /** Requests sent so far, whatever their answer. */
    public long sent() {
        return statusCounts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Answers so far by status ({@link #NO_ANSWER} for none), in status order. */
    public Map<Integer, Long> statusCounts() {
        Map<Integer, Long> counts = new TreeMap<>();
        statusCounts.forEach((status, n) -> counts.put(status, n.sum()));
        return counts;
    }

    /** The statuses other than 200 that were answered. */
    public Set<Integer> otherStatuses() {
        Set<Integer> others = new java.util.TreeSet<>(statusCounts.keySet());
        others.remove(200);
        others.remove(NO_ANSWER);
        return others;
    }

    /** Stops posting and waits for the requests in flight. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        threads.shutdown();
        if (!threads.awaitTermination(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the load did not stop within 60 s");
        }
    }
}
