package com.monogateway.http;

import java.sql.SQLException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an HTTP caller is answered when a route fails, one named route configuration per port: a route
 * takes its answers with {@code routeConfigurationId(...)} and must set {@code defaultErrorHandler()}
 * itself (the context's default is none, and a route's own error handler wins over its configuration's).
 * Never a stack trace, never a 200 for what was not done.
 */
public final class HttpErrorAnswers extends RouteConfigurationBuilder {

    /** The webhook: 503 when the database could not take the event, so that Mono retries. */
    public static final String WEBHOOK = "webhook-error-answers";
    /** The admin API: 400 for a value PostgreSQL refused (the caller's mistake), else 503. */
    public static final String ADMIN = "admin-error-answers";

    private static final Logger LOG = LoggerFactory.getLogger(HttpErrorAnswers.class);

    @Override
    public void configuration() {
        routeConfiguration(WEBHOOK)
                .onException(SQLException.class)
                    .handled(true)
                    .process(e -> {
                        LOG.error("Could not store a webhook, answering 503 so Mono retries: {}", caught(e).toString());
                        Answers.set(e, 503, Answers.error("unavailable", "the event could not be stored; retry later"));
                    })
                .end()
                .onException(Exception.class)
                    .handled(true)
                    .process(e -> {
                        LOG.error("Unexpected failure while receiving a webhook", caught(e));
                        Answers.set(e, 500, Answers.error("internal_error", "the event could not be stored; retry later"));
                    })
                .end();

        routeConfiguration(ADMIN)
                .onException(Exception.class)
                    .handled(true)
                    .process(e -> {
                        Exception cause = caught(e);
                        if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                            // PostgreSQL refused a value the caller gave (a date out of its range, a NUL byte).
                            Answers.set(e, 400, Answers.error("bad_request", "a filter value is out of range: "
                                    + (sql.getMessage() == null ? "" : sql.getMessage().lines().findFirst().orElse(""))));
                            return;
                        }
                        LOG.error("Admin request failed", cause);
                        Answers.set(e, 503, Answers.error("unavailable", "the request could not be completed; retry later"));
                    })
                .end();
    }

    private static Exception caught(Exchange exchange) {
        return exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
    }
}
