package com.monogateway.ingest;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Which HTTP headers cross the webhook endpoint: of a request, only {@code Content-Type} becomes a message header
 * (the receiver checks it); of the message, none is copied to the answer (platform-http sets the status and
 * {@code Content-Type} from the message itself). No request header, the secret included, can then be echoed in an
 * answer, feed an SQL parameter or redirect a mail, and no request pays for copying headers nobody reads.
 */
public final class WebhookHeaders implements HeaderFilterStrategy {

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !Exchange.CONTENT_TYPE.equalsIgnoreCase(headerName);
    }

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return true;
    }
}
