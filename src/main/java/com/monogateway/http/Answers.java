package com.monogateway.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.apache.camel.Exchange;

/** Sets the HTTP answer of a request: a status and a small JSON body, and no other header. */
public final class Answers {

    private Answers() {
    }

    public static void set(Exchange exchange, int status, String json) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }

    public static String error(String code, String message) {
        return "{\"error\":\"" + code + "\",\"message\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(message)) + "\"}";
    }
}
