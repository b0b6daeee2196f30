package com.monogateway.processing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.apache.camel.Exchange;

/**
 * Where an applied event's deliveries to the ESB are queued (the outbox; see the delivery package). The
 * processing route records each applied event's; the worker writes those of the events its batch applied in
 * one statement, in the batch's transaction, so they commit with the events' rows or not at all.
 */
public interface BatchOutbox {

    /** No destination configured: nothing to queue. */
    BatchOutbox NONE = new BatchOutbox() {
        @Override
        public void record(Exchange exchange) {
        }

        @Override
        public void write(Connection c, List<Long> applied) {
        }

        @Override
        public void forgetAll() {
        }
    };

    /** The route's step: records this applied event's deliveries for the batch running on this thread. */
    void record(Exchange exchange) throws SQLException;

    /**
     * Writes, on the batch's connection, the recorded deliveries of the events in {@code applied} (inbox ids), in
     * inbox order, and forgets every record of this thread's batch.
     */
    void write(Connection c, List<Long> applied) throws SQLException;

    /** Forgets what this thread's batch recorded: its writes were rolled back. */
    void forgetAll();
}
