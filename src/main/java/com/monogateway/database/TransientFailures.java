package com.monogateway.database;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.function.Predicate;
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
        return anyCause(e, t -> t instanceof SQLTransientException || t instanceof SQLRecoverableException
                || t instanceof DirectConsumerNotAvailableException
                || sqlState(t, state -> state.startsWith("08") || state.startsWith("53") || state.startsWith("57")
                        || state.equals("40001") || state.equals("40P01")));
    }

    /**
     * Transient failures that only a new transaction can get past: a deadlock or serialization conflict
     * with another transaction (ours must let go of its locks for the other to finish), or a broken
     * connection. Retrying the event inside the same transaction would meet the same failure again.
     */
    public static boolean needsNewTransaction(Throwable e) {
        return anyCause(e, t -> t instanceof SQLRecoverableException
                || sqlState(t, state -> state.equals("40001") || state.equals("40P01") || state.equals("55P03")
                        || state.startsWith("08") || state.startsWith("57P")));
    }

    private static boolean anyCause(Throwable e, Predicate<Throwable> test) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (test.test(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sqlState(Throwable t, Predicate<String> test) {
        return t instanceof SQLException sql && sql.getSQLState() != null && test.test(sql.getSQLState());
    }

    /**
     * {@link #describe} followed by the innermost cause, when there is one: what a wrapped failure
     * really was (camel-mail's "Could not convert socket to TLS" says nothing of the certificate).
     */
    public static String describeWithRootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? describe(e) : describe(e) + " (cause: " + describe(root) + ")";
    }

    /** One line, bounded, for logs and the last_error column. */
    public static String describe(Throwable e) {
        String message = e.getClass().getSimpleName() + ": " + (e.getMessage() == null ? "" : e.getMessage());
        message = message.replaceAll("\\s+", " ").strip();
        return message.length() <= 2_000 ? message : message.substring(0, 2_000) + "...";
    }
}
