package com.monogateway.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IngestGateTest {

    private final IngestGate gate = new IngestGate();

    /**
     * A commit the disk holds up for longer than the sampling window: every sender waits for its answer and none
     * comes in. That is a port under load (processing must keep to its share), not a quiet one.
     */
    @Test
    void aRequestWaitingForItsAnswerCountsAsWebhooksArriving() throws Exception {
        assertTrue(gate.enter());
        assertTrue(gate.webhooksArriving());
        Thread.sleep(250); // two sampling windows with nothing new coming in
        assertTrue(gate.webhooksArriving(), "one request still in flight");
        Thread.sleep(120);
        assertTrue(gate.webhooksArriving(), "one request still in flight");

        gate.exit();
        Thread.sleep(120);
        gate.webhooksArriving(); // the window that saw the last request
        Thread.sleep(120);
        assertFalse(gate.webhooksArriving(), "nothing in flight and nothing new: a quiet port");
    }
}
