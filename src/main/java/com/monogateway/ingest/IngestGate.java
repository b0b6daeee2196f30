package com.monogateway.ingest;

import com.monogateway.http.Answers;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts webhook requests in flight so that a shutdown can stop taking new ones (they get 503 and
 * Mono retries) and wait for the ones already inside to be stored and answered.
 */
public final class IngestGate {

    /** The body of the 503 a request gets once a shutdown has begun. */
    static final String REFUSAL = Answers.error("shutting_down", "the gateway is shutting down; retry later");

    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder entered = new LongAdder();
    // Racy on purpose: a sample lost between two callers only delays the next one.
    private volatile long sampledAt = System.nanoTime();
    private volatile long sampledCount;
    private volatile boolean arriving;
    private volatile boolean draining;

    /** False once the gateway is shutting down: the caller must refuse the request. */
    boolean enter() {
        entered.increment();
        inFlight.incrementAndGet();
        if (draining) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    /**
     * True while webhooks arrive: one came in the last tenth of a second or so, or one is being answered. The second
     * matters when the disk stalls a commit: every sender then waits for its answer and none comes in, which is not
     * a quiet port. Cheap enough to ask before every processing batch.
     */
    public boolean webhooksArriving() {
        long now = System.nanoTime();
        if (now - sampledAt > 100_000_000L) {
            long count = entered.sum();
            arriving = count > sampledCount;
            sampledCount = count;
            sampledAt = now;
        }
        return arriving || inFlight.get() > 0;
    }

    public boolean isDraining() {
        return draining;
    }

    /** Refuses new requests from now on and waits for those in flight; true when none is left. */
    public boolean drain(long timeoutMs) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return inFlight.get() == 0;
    }
}
