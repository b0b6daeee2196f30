package com.monogateway.operations;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The console, written in blocks: a line goes into a buffer in memory on the thread that logs it, and the buffer
 * reaches the console every {@code flushIntervalMs} (100 by default), at once for a warning or an error, when logging
 * stops, and line by line once the JVM is exiting. The gateway logs two lines an event (received, processed); written one system call
 * each, through a thread woken for each (logback's AsyncAppender in front of its ConsoleAppender), they took a tenth
 * of the gateway's CPU at full speed (docs/benchmarks.md). The console is written outside the lock the logging threads
 * take, so a console that is slow to read holds no request up until {@code bufferSize} bytes (4 MB) wait; then they
 * wait for it, and nothing is dropped. A process killed outright loses at most the last tenth of a second's
 * information lines, never a warning.
 */
public final class BufferedConsoleAppender extends ConsoleAppender<ILoggingEvent> {

    private int bufferSize = 4 * 1024 * 1024;
    private long flushIntervalMs = 100;
    private Blocks blocks;
    private ScheduledExecutorService flusher;
    // Once the JVM is exiting (SIGTERM, System.exit) every line is written at once: the JVM halts when the last
    // shutdown hook returns, which can be within the tenth of a second a line would otherwise wait.
    private volatile boolean exiting;
    private final Thread flushAtExit = new Thread(() -> {
        exiting = true;
        flush();
    }, "log-console-flush-at-exit");

    public void setBufferSize(int bufferSize) {
        this.bufferSize = bufferSize;
    }

    public void setFlushIntervalMs(long flushIntervalMs) {
        this.flushIntervalMs = flushIntervalMs;
    }

    @Override
    public void start() {
        setImmediateFlush(false);
        super.start();
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "log-console-flush");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flush, flushIntervalMs, flushIntervalMs, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(flushAtExit);
    }

    /** ConsoleAppender's start hands over the console's stream; the lines go to the buffer in front of it. */
    @Override
    public void setOutputStream(OutputStream console) {
        blocks = new Blocks(console, bufferSize);
        super.setOutputStream(blocks);
    }

    @Override
    protected void subAppend(ILoggingEvent event) {
        super.subAppend(event);
        if (exiting || event.getLevel().isGreaterOrEqual(Level.WARN)) {
            flush();
        }
    }

    @Override
    public void stop() {
        if (flusher != null) {
            flusher.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(flushAtExit);
            } catch (IllegalStateException exiting) {
                // stopped by a hook of its own: the JVM is exiting, and the flush below is the last one
            }
        }
        flush();
        super.stop(); // closes the buffer (the console's own stream stays open)
    }

    private void flush() {
        Blocks b = blocks;
        if (b == null) {
            return;
        }
        try {
            b.flush();
        } catch (IOException e) {
            addError("Could not write the log to the console", e);
        }
    }

    /**
     * Lines gathered in memory; {@link #flush} takes what is there and writes it to the console. Taking is quick and
     * under the buffer's lock; writing is under the console's own, so loggers go on filling the next block meanwhile.
     */
    private static final class Blocks extends OutputStream {
        private final OutputStream console;
        private final int limit;
        private final Object writing = new Object();
        private ByteArrayOutputStream filling = new ByteArrayOutputStream(64 * 1024);

        Blocks(OutputStream console, int limit) {
            this.console = console;
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            while (filling.size() > 0 && filling.size() + len > limit) {
                try {
                    wait(); // the console is that far behind: wait for it rather than drop a line
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the console was behind");
                }
            }
            filling.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            synchronized (writing) { // one block at a time, in order
                byte[] block;
                synchronized (this) {
                    if (filling.size() == 0) {
                        return;
                    }
                    block = filling.toByteArray();
                    filling.reset();
                    notifyAll();
                }
                console.write(block);
                console.flush();
            }
        }

        @Override
        public void close() throws IOException {
            flush(); // the console's own stream is System.out: it stays open
        }
    }
}
