package com.monogateway.operations;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.slf4j.helpers.MessageFormatter;

/**
 * {@code %safeMsg} in logback.xml: the log message with every argument passed through
 * {@link LogText#escape}. Arguments are where text from outside (event types, dedupe keys, paths,
 * admin input, error messages) enters a log line; the gateway's own message patterns keep their line
 * breaks (the start summary has several).
 */
public final class SafeMessageConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        Object[] arguments = event.getArgumentArray();
        if (arguments == null || arguments.length == 0) {
            return event.getFormattedMessage();
        }
        Object[] safe = new Object[arguments.length];
        for (int i = 0; i < arguments.length; i++) {
            Object argument = arguments[i];
            safe[i] = argument == null || argument instanceof Number || argument instanceof Boolean ? argument
                    : LogText.escape(String.valueOf(argument));
        }
        return MessageFormatter.basicArrayFormat(event.getMessage(), safe);
    }
}
