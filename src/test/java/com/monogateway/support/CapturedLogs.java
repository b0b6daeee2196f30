package com.monogateway.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Keeps every log line of the run, formatted with stack traces, and the events with their MDC. */
public final class CapturedLogs extends AppenderBase<ILoggingEvent> {

    public final List<String> lines = new CopyOnWriteArrayList<>();
    public final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final PatternLayout layout = new PatternLayout();

    /** Starts capturing, from the root logger, until {@link #detach()}. */
    public CapturedLogs() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        layout.setContext(context);
        layout.setPattern("%level %logger %X %msg%n%ex");
        layout.start();
        setContext(context);
        start();
        root().addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        events.add(event);
        lines.add(layout.doLayout(event));
    }

    public void detach() {
        root().detachAppender(this);
        stop();
    }

    public String all() {
        return String.join("", lines);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
