package com.monogateway.delivery;

import java.util.Set;
import org.apache.camel.http.base.HttpOperationFailedException;

/** Which send failures retrying cannot fix: those make a delivery dead at once instead of retrying for days. */
final class DeliveryFailures {

    /** HTTP answers that mean "try again": timeout, too early, too many requests. */
    private static final Set<Integer> RETRYABLE_4XX = Set.of(408, 425, 429);

    /** Failures of the message itself (checked by name: the connector may not be in use). */
    private static final Set<String> PERMANENT = Set.of(
            "org.apache.kafka.common.errors.SerializationException",
            "org.apache.kafka.common.errors.RecordTooLargeException",
            "org.apache.kafka.common.errors.InvalidTopicException",
            "jakarta.jms.MessageFormatException",
            "jakarta.jms.InvalidDestinationException",
            "org.apache.camel.InvalidPayloadException",
            "org.apache.camel.NoTypeConversionAvailableException");

    private DeliveryFailures() {
    }

    static boolean permanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                int status = http.getStatusCode();
                return status >= 400 && status < 500 && !RETRYABLE_4XX.contains(status);
            }
            if (PERMANENT.contains(t.getClass().getName())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
