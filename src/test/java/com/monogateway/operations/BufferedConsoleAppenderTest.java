package com.monogateway.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The console gets every line, in order: information lines in blocks, a warning at once, the rest at the end. */
class BufferedConsoleAppenderTest {

    /** The console's lines that this test logged (other tests' gateways in this JVM may write to it too). */
    private static List<String> ours(ByteArrayOutputStream console) {
        return console.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("buffered-console-test ")).toList();
    }

    /** Runs body with a logger whose lines go through a BufferedConsoleAppender into a captured System.out. */
    private static void withConsole(long flushIntervalMs, Consumer<ByteArrayOutputStream> stopped, Body body) throws Exception {
        PrintStream real = System.out;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // as slf4j's binding gives the gateway's context
        try {
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setContext(context);
            encoder.setPattern("buffered-console-test %level %msg%n");
            encoder.start();
            BufferedConsoleAppender appender = new BufferedConsoleAppender();
            appender.setContext(context);
            appender.setEncoder(encoder);
            appender.setFlushIntervalMs(flushIntervalMs);
            appender.start();
            Logger log = context.getLogger("test");
            log.addAppender(appender);
            body.run(log, console);
            appender.stop();
            stopped.accept(console);
        } finally {
            context.stop();
            System.setOut(real);
        }
    }

    private interface Body {
        void run(Logger log, ByteArrayOutputStream console) throws Exception;
    }

    @Test
    void informationWaitsForTheBlockAWarningTakesEverythingBeforeItOutAtOnceAndStopWritesTheRest() throws Exception {
        withConsole(600_000, console -> assertEquals(List.of("buffered-console-test INFO one", "buffered-console-test INFO two",
                "buffered-console-test WARN three", "buffered-console-test INFO four"), ours(console)), (log, console) -> {
                    log.info("one");
                    log.info("two");
                    assertEquals(List.of(), ours(console), "information lines wait for the block");
                    log.warn("three");
                    assertEquals(List.of("buffered-console-test INFO one", "buffered-console-test INFO two",
                            "buffered-console-test WARN three"), ours(console), "a warning is written at once, after what came before it");
                    log.info("four");
                    assertEquals(3, ours(console).size());
                });
    }

    @Test
    void aLineReachesTheConsoleWithinTheFlushInterval() throws Exception {
        withConsole(50, console -> {
        }, (log, console) -> {
            for (int i = 0; i < 1000; i++) {
                log.info("line {}", i);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (ours(console).size() < 1000 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<String> lines = ours(console);
            assertEquals(1000, lines.size(), "every line, without a stop");
            for (int i = 0; i < 1000; i++) {
                assertEquals("buffered-console-test INFO line " + i, lines.get(i));
            }
        });
    }
}
