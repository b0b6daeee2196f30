package com.monogateway.failure;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import org.apache.camel.component.direct.DirectConsumerNotAvailableException;

/**
 * Failures that say nothing about the event itself: the database was unreachable or busy, or a route
 * was being reloaded. Such an event is left waiting in the inbox for the sweep instead of being
 * dead-lettered.
 */
public final class TransientFailures {

    private TransientFailures() {
    }

    public static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException
                    || t instanceof DirectConsumerNotAvailableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57")
                        || state.equals("40001") || state.equals("40P01")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** One line, bounded, for logs and the last_error column. */
    public static String describe(Throwable e) {
        String message = e.getClass().getSimpleName() + ": " + (e.getMessage() == null ? "" : e.getMessage());
        message = message.replaceAll("\\s+", " ").strip();
        return message.length() <= 2_000 ? message : message.substring(0, 2_000) + "...";
    }
}
