package com.monogateway.operations;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The console, written in blocks: a line goes into a buffer in memory on the thread that logs it, and the buffer
 * reaches the console when it is full, every {@code flushIntervalMs} (100 by default), at once for a warning or an
 * error, when logging stops and when the JVM exits. The gateway logs two lines an event (received, processed); written one system call
 * each, through a thread woken for each (logback's AsyncAppender in front of its ConsoleAppender), they took a tenth
 * of the gateway's CPU at full speed (docs/benchmarks.md). A line is on the console at most a tenth of a second after
 * it was logged; a process killed outright loses at most that tenth's information lines, never a warning.
 */
public final class BufferedConsoleAppender extends ConsoleAppender<ILoggingEvent> {

    private int bufferSize = 64 * 1024;
    private long flushIntervalMs = 100;
    private ScheduledExecutorService flusher;
    // The gateway ends with System.exit, which does not stop logging: the lines of its last tenth of a second
    // are written by this hook (and the timer goes on flushing what other hooks log until the JVM halts).
    private final Thread flushAtExit = new Thread(this::flush, "log-console-flush-at-exit");

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

    /** ConsoleAppender's start hands over the console's stream; the buffer goes around it. */
    @Override
    public void setOutputStream(OutputStream console) {
        super.setOutputStream(new BufferedOutputStream(console, bufferSize));
    }

    @Override
    protected void subAppend(ILoggingEvent event) {
        super.subAppend(event);
        if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
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
        streamWriteLock.lock();
        try {
            OutputStream out = getOutputStream();
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            addError("Could not write the log to the console", e);
        } finally {
            streamWriteLock.unlock();
        }
    }
}
