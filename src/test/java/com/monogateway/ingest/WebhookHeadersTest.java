package com.monogateway.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;

class WebhookHeadersTest {

    private final WebhookHeaders headers = new WebhookHeaders();

    @Test
    void ofARequestOnlyItsContentTypeBecomesAMessageHeader() {
        assertFalse(headers.applyFilterToExternalHeaders("Content-Type", "application/json", null));
        assertFalse(headers.applyFilterToExternalHeaders("content-type", "application/json", null));
        for (String name : new String[] {"mono-webhook-secret", "To", "X-Injected", "CamelHttpResponseCode", "camelhttpuri",
                "Long-Running-Action", "kafka.OVERRIDE_TOPIC", "Authorization", "Host", "Content-Length"}) {
            assertTrue(headers.applyFilterToExternalHeaders(name, "value", null), name);
        }
    }

    @Test
    void noMessageHeaderIsCopiedToTheAnswer() {
        for (String name : new String[] {Exchange.CONTENT_TYPE, Exchange.HTTP_RESPONSE_CODE, "mono-webhook-secret", "X-Injected"}) {
            assertTrue(headers.applyFilterToCamelHeaders(name, "value", null), name);
        }
    }
}
