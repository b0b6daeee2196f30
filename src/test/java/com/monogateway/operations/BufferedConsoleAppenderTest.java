package com.monogateway.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The console gets every line, in order: information lines in blocks, a warning at once, the rest at the end; a console
 * nobody reads holds no logger up until the buffer is full, and then loses nothing.
 */
class BufferedConsoleAppenderTest {

    /** The captured console; while {@link #gate} is closed a write waits, as on a console nobody reads. */
    private static final class Console extends ByteArrayOutputStream {
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.write(b, off, len);
        }
    }

    /** The console's lines that this test logged (other tests' gateways in this JVM may write to it too). */
    private static List<String> ours(ByteArrayOutputStream console) {
        return console.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("buffered-console-test ")).toList();
    }

    /** Runs body with a logger whose lines go through a BufferedConsoleAppender into a captured System.out. */
    private static void withConsole(long flushIntervalMs, Consumer<ByteArrayOutputStream> stopped, Body body) throws Exception {
        withConsole(flushIntervalMs, 4 * 1024 * 1024, stopped, body);
    }

    private static void withConsole(long flushIntervalMs, int bufferSize, Consumer<ByteArrayOutputStream> stopped, Body body)
            throws Exception {
        PrintStream real = System.out;
        Console console = new Console();
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
            appender.setBufferSize(bufferSize);
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
        void run(Logger log, Console console) throws Exception;
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

    @Test
    void aConsoleThatIsNotReadHoldsNoLoggerUpUntilTheBufferIsFullAndThenLosesNothing() throws Exception {
        withConsole(10, 2_000, console -> {
            List<String> lines = ours(console);
            assertEquals(60, lines.size(), "every line, after the console was read again");
            for (int i = 0; i < 60; i++) {
                assertEquals("buffered-console-test INFO line " + i, lines.get(i));
            }
        }, (log, console) -> {
            console.gate = new CountDownLatch(1); // nobody reads the console from here on
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                log.info("line {}", 0);
                Thread.sleep(200); // the flusher takes that line and waits on the console with it
                Future<?> fits = pool.submit(() -> {
                    for (int i = 1; i < 40; i++) { // 39 lines of 35 bytes: under the 2,000 bytes the buffer holds
                        log.info("line {}", i);
                    }
                });
                fits.get(2, TimeUnit.SECONDS); // a TimeoutException here: the loggers wait for the stuck console
                Future<?> more = pool.submit(() -> {
                    for (int i = 40; i < 60; i++) {
                        log.info("line {}", i);
                    }
                });
                assertThrows(TimeoutException.class, () -> more.get(300, TimeUnit.MILLISECONDS),
                        "a full buffer waits for the console rather than drop a line");
                console.gate.countDown();
                more.get(5, TimeUnit.SECONDS);
            } finally {
                console.gate.countDown();
                pool.shutdownNow();
            }
        });
    }
}
