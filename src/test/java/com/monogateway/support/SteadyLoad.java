package com.monogateway.support;

import com.monogateway.trigger.SampleEvents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique DirectPay events posted without pause by a few threads, as Mono would during a busy spell.
 * Remembers the event ids answered 200 and counts the rest (other statuses, a closed port).
 */
public final class SteadyLoad implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final Set<Integer> statuses = ConcurrentHashMap.newKeySet();
    private final AtomicInteger notAccepted = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService threads;

    public SteadyLoad(URI webhook, int threadCount, long seed) {
        SampleEvents samples = new SampleEvents(new Random(seed));
        threads = Executors.newFixedThreadPool(threadCount);
        for (int t = 0; t < threadCount; t++) {
            threads.submit(() -> {
                while (!stop.get()) {
                    String event;
                    synchronized (samples) {
                        event = samples.next("direct_debit.payment_successful");
                    }
                    post(webhook, event);
                }
                return null;
            });
        }
    }

    private void post(URI webhook, String event) throws InterruptedException {
        String id = event.replaceAll(".*\"event_id\":\"([^\"]+)\".*", "$1");
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                    .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                accepted.add(id);
            } else {
                statuses.add(r.statusCode());
                notAccepted.incrementAndGet();
            }
        } catch (IOException e) {
            notAccepted.incrementAndGet(); // the gateway is down: Mono would retry later
            Thread.sleep(20);
        }
    }

    /** Event ids answered 200 so far. */
    public Set<String> accepted() {
        return accepted;
    }

    public int notAccepted() {
        return notAccepted.get();
    }

    /** The statuses other than 200 that were answered. */
    public Set<Integer> otherStatuses() {
        return statuses;
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
