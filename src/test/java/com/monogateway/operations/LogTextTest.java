package com.monogateway.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

/** Text from outside cannot forge or hide log lines; the gateway's own multi-line messages stay as written. */
class LogTextTest {

    @Test
    void controlCharactersSeparatorsAndBidiOverridesAreEscaped() {
        assertEquals("x\\u000a12:00:00 INFO forged", LogText.escape("x\n12:00:00 INFO forged"));
        assertEquals("a\\u000db\\u0000c\\u001b[31m", LogText.escape("a\rb\u0000c\u001b[31m"));
        assertEquals("pay\\u2028ment\\u2029", LogText.escape("pay\u2028ment\u2029"));
        assertEquals("\\u202eevil\\u2066x\\u2069", LogText.escape("\u202eevil\u2066x\u2069"));
        assertEquals("direct_debit.payment_failed", LogText.escape("direct_debit.payment_failed"));
        assertEquals("Ọba ₦500", LogText.escape("Ọba ₦500"), "ordinary non-ASCII text stays");
    }

    @Test
    void theSafeMessageConverterEscapesArgumentsButNotTheMessageItself() {
        LoggingEvent event = new LoggingEvent("x", new LoggerContext().getLogger("x"), Level.INFO,
                "Received {} event {}:\nsecond line of our own", null, new Object[] {"evil\n10:00:00 ERROR fake", 42});
        String line = new SafeMessageConverter().convert(event);
        assertEquals("Received evil\\u000a10:00:00 ERROR fake event 42:\nsecond line of our own", line);
        assertFalse(line.contains("\n10:00"));
    }
}
