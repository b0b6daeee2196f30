package com.monogateway.ingest;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.apache.camel.Exchange;

/** Sets the HTTP answer of a webhook request: a status and a small JSON body, and no other header. */
final class Answers {

    private Answers() {
    }

    static void set(Exchange exchange, int status, String json) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }

    static String error(String code, String message) {
        return "{\"error\":\"" + code + "\",\"message\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(message)) + "\"}";
    }
}
