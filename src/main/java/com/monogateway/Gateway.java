package com.monogateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.admin.AdminHttp;
import com.monogateway.admin.ConsoleSessions;
import com.monogateway.alerts.AlertComposer;
import com.monogateway.alerts.AlertQueue;
import com.monogateway.alerts.AlertRoutes;
import com.monogateway.alerts.AlertSender;
import com.monogateway.config.GatewaySettings;
import com.monogateway.config.PropertyLayers;
import com.monogateway.config.SecretMatcher;
import com.monogateway.config.SensitiveValues;
import com.monogateway.config.SettingsException;
import com.monogateway.database.GatewayDatabase;
import com.monogateway.database.RememberingStatementStrategy;
import com.monogateway.database.TransactionalDataSource;
import com.monogateway.delivery.Deliveries;
import com.monogateway.delivery.DeliveryRoutes;
import com.monogateway.delivery.JmsConnector;
import com.monogateway.delivery.PooledHttpComponent;
import com.monogateway.eventlog.EventLog;
import com.monogateway.eventlog.EventLogRoutes;
import com.monogateway.failure.DeadLetterRoutes;
import com.monogateway.failure.DeadLetters;
import com.monogateway.http.EventLoopHttpEngine;
import com.monogateway.http.GuardedHttpServer;
import com.monogateway.http.HttpErrorAnswers;
import com.monogateway.http.PortCheck;
import com.monogateway.ingest.Inbox;
import com.monogateway.ingest.IngestGate;
import com.monogateway.ingest.IngestRoutes;
import com.monogateway.ingest.ShutdownFallback;
import com.monogateway.processing.BatchOutbox;
import com.monogateway.ingest.WebhookEdge;
import com.monogateway.ingest.WebhookReceiver;
import com.monogateway.monoapi.MonoApiRoutes;
import com.monogateway.operations.GatewayHealthChecks;
import com.monogateway.operations.GatewayMetrics;
import com.monogateway.operations.InboxStats;
import com.monogateway.operations.ManagementEndpoints;
import com.monogateway.operations.StartupSummary;
import com.monogateway.event.EventFields;
import com.monogateway.processing.InboxWorker;
import com.monogateway.processing.ProcessingRoutes;
import com.monogateway.processing.RouteCheck;
import com.monogateway.retention.Retention;
import com.monogateway.tracing.Tracing;
import com.monogateway.vocabulary.Vocabulary;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.NoErrorHandlerBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.jdbc.JdbcEndpoint;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the gateway on Camel main: settings, database, the Java routes of the fixed machinery and
 * the YAML routes from {@code routes/}. {@code application.properties} and {@code routes/} are read
 * from the working directory, or from the copies packed in the jar when the directory has none.
 */
public final class Gateway {

    /** Registry name of the PostgreSQL DataSource, as used by {@code jdbc:monoDb} in the YAML routes. */
    public static final String DATA_SOURCE = "monoDb";
    /** Registry name of the bean that turns events into SQL parameters for the YAML handler routes. */
    public static final String EVENT_FIELDS = "monoEventFields";

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private Gateway() {
    }

    /** A Camel main ready to run; {@code overrides} win over every other source (used by tests). */
    public static Main create(Properties overrides) {
        Main main = new Main();
        // The packed file holds every default and is the one Camel reads itself; everything else goes over it.
        main.setDefaultPropertyPlaceholderLocation("classpath:application.properties");
        PropertyLayers layers = PropertyLayers.read(overrides);
        Properties effective = layers.effective(overrides);
        // The webhook port is served by GuardedHttpServer (timeouts, the secret checked before the body is
        // read), configured from the same camel.server.* keys; Camel main's own server would take the port.
        effective.setProperty("camel.server.enabled", "false");
        // Likewise the management port (health, metrics, admin API) from the camel.management.* keys: Camel 4.22's
        // own management server (camel-platform-http-main) is not in the jar.
        boolean management = Boolean.parseBoolean(effective.getProperty(MANAGEMENT_ENABLED,
                layers.file().getProperty(MANAGEMENT_ENABLED, "true")).strip());
        effective.setProperty(MANAGEMENT_ENABLED, "false");
        main.setOverrideProperties(effective);
        Properties tracingKeys = new Properties();
        tracingKeys.putAll(layers.file());
        tracingKeys.putAll(effective);
        main.addMainListener(new Lifecycle(layers.localProperties(), management, tracingKeys));
        return main;
    }

    private static final String MANAGEMENT_ENABLED = "camel.management.enabled";

    /**
     * Opens the database and adds the Java routes before Camel reads the routes; on stop, first stops
     * taking webhooks and lets those in flight finish, and closes the database last.
     */
    private static final class Lifecycle extends MainListenerSupport {

        private final boolean localProperties;
        private final boolean management;
        /** The otel.* keys of the property files and overrides, under the OTEL_* variables (see Tracing). */
        private final Properties tracingKeys;
        private Tracing tracing = Tracing.OFF;
        private GatewayDatabase database;
        private GatewaySettings settings;
        private IngestGate gate;
        private Inbox inbox;
        /** Empty without mono.admin.token: no admin API, no console. */
        private Optional<AdminHttp> adminHttp = Optional.empty();
        private Deliveries deliveries;
        private PrometheusMeterRegistry meterRegistry;
        // Built by the steps of assemble(), in order.
        private javax.sql.DataSource dataSource;
        private TransactionalDataSource routesDataSource;
        private ObjectMapper mapper;
        private InboxStats stats;
        private GatewayMetrics metrics;
        private ProducerTemplate template;
        private AlertQueue alerts;
        private DeadLetters deadLetters;
        private MonoApiRoutes monoApi;

        Lifecycle(boolean localProperties, boolean management, Properties tracingKeys) {
            this.localProperties = localProperties;
            this.management = management;
            this.tracingKeys = tracingKeys;
        }

        @Override
        public void beforeConfigure(BaseMainSupport main) {
            CamelContext context = main.getCamelContext();
            var properties = context.getPropertiesComponent();
            settings = GatewaySettings.from(key -> MANAGEMENT_ENABLED.equals(key) ? Optional.of(Boolean.toString(management))
                    : properties.resolveProperty(key));
            SensitiveValues.registerWithCamel();
            main.configure().setShutdownTimeout((int) Math.max(1, settings.operations().shutdownTimeoutMs() / 1000));

            // Failures in the YAML routes must reach the Dead Letter Channel of the route that called them
            // (mono-process): a route's own error handler would mark them exhausted and hide them.
            // The Java routes set their own handlers.
            context.getCamelContextExtension().setErrorHandlerFactory(new NoErrorHandlerBuilder());

            var ops = settings.operations();
            PortCheck.requireFree(settings.http().host(), ops.httpPort(), "camel.server.host, camel.server.port");
            if (ops.managementEnabled()) {
                PortCheck.requireFree(ops.managementHost(), ops.managementPort(), "camel.management.host, camel.management.port");
            }
            // One registry for the gateway's, the pool's and the JVM's meters, scraped at /observe/metrics.
            meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            ManagementEndpoints.bindJvmMeters(meterRegistry);
            try {
                tracing = Tracing.configure(tracingKeys);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage());
            }
            database = GatewayDatabase.open(settings, meterRegistry);
            try {
                assemble(main, context);
            } catch (RuntimeException e) {
                afterStop(main); // the database (an embedded one is a process of its own) must not outlive a failed start
                throw e;
            }
        }

        /** The gateway, step by step; each step names what it adds. */
        private void assemble(BaseMainSupport main, CamelContext context) {
            shared(context);
            exposeToYamlRoutes(context);
            ingest(main, context);
            failurePath();
            delivery(main, context);
            processing(main);
            alertEmails(main, context);
            admin(main, context);
            operations(main, context);
        }

        /** The connection pool, the JSON mapper, metrics and a producer template every later step uses. */
        private void shared(CamelContext context) {
            dataSource = database.dataSource();
            // The YAML routes write in the processing transaction when there is one (see TransactionalDataSource).
            routesDataSource = new TransactionalDataSource(dataSource);
            // Every jdbc: endpoint, including those of edited YAML routes, parses its SQL once, not per event.
            RememberingStatementStrategy statements = new RememberingStatementStrategy();
            context.getCamelContextExtension().registerEndpointCallback((uri, endpoint) -> {
                if (endpoint instanceof JdbcEndpoint jdbc) {
                    jdbc.setPrepareStatementStrategy(statements);
                }
                return endpoint;
            });
            mapper = new ObjectMapper();
            stats = new InboxStats(dataSource);
            metrics = new GatewayMetrics(meterRegistry, stats);
            template = context.createProducerTemplate();
        }

        /**
         * Everything routes/*.camel.yaml may reference by name, in one place: {@value #DATA_SOURCE} (the
         * database, in the processing transaction) for {@code jdbc:monoDb}, and {@value #EVENT_FIELDS} (Mono's
         * shape variants as SQL parameters). The headers and properties of an event are in {@link Vocabulary}.
         */
        private void exposeToYamlRoutes(CamelContext context) {
            context.getRegistry().bind(DATA_SOURCE, routesDataSource);
            context.getRegistry().bind(EVENT_FIELDS, new EventFields(settings.monoApi().maskIdentity()));
        }

        /** The webhook port: its guarded HTTP server, the durable inbox and the ingest route. */
        private void ingest(BaseMainSupport main, CamelContext context) {
            gate = new IngestGate();
            inbox = new Inbox(dataSource, settings.ingestWriters(), settings.ingestMaxBatch(),
                    settings.dbConnectionTimeoutMs() + 5_000L);
            SecretMatcher webhookSecrets = new SecretMatcher(settings.webhookSecrets());
            WebhookReceiver receiver = new WebhookReceiver(inbox, mapper, settings.maxBodyBytes(), gate, metrics, tracing,
                    settings.webhookPath());
            main.configure().addRoutesBuilder(new HttpErrorAnswers()); // ingest and admin routes answer failures by it
            main.configure().addRoutesBuilder(new IngestRoutes(receiver));
            context.getRegistry().bind(IngestRoutes.HTTP_ENGINE, new EventLoopHttpEngine(settings.operations().httpPort()));
            var http = settings.http();
            // Webhooks wait for their commit on no thread (EventLoopHttpEngine); the worker pool serves the admin calls
            // and the webhooks that must wait (a rejected body, a full writer queue). Camel's server takes these options.
            context.getRegistry().bind("mono-vertx-options", new VertxOptions().setWorkerPoolSize(http.workerThreads()));
            GuardedHttpServer server = new GuardedHttpServer("webhook", "camel.server.host, camel.server.port", http.host(),
                    settings.operations().httpPort(), settings.maxBodyBytes(),
                    http.requestTimeoutMs(), http.idleTimeoutMs(), List.of(
                            new WebhookEdge(settings.webhookPath(), webhookSecrets, metrics, settings.maxBodyBytes()),
                            new ShutdownFallback(settings.webhookPath(), gate)));
            // Started now, as Camel main starts its own server: the routes' consumers need its router.
            startService(context, server);
        }

        /** Where failures go: the alert queue and the dead-letter store. */
        private void failurePath() {
            alerts = new AlertQueue(dataSource, mapper, settings.alerts().enabled(), settings.alerts().events());
            deadLetters = new DeadLetters(dataSource, alerts, settings.redelivery().maxAttempts());
        }

        /** Delivery to the ESB: the JMS connection, the outbox and one forwarder per destination. */
        private void delivery(BaseMainSupport main, CamelContext context) {
            // Before the routes: amqp: and jms: endpoints take the connection factory they find in the registry.
            var jms = settings.jms();
            jms.url().ifPresent(url -> {
                try {
                    JmsConnector.check(url);
                } catch (IllegalArgumentException e) {
                    throw new SettingsException("mono.jms.url must be an AMQP URL such as amqp://broker:5672 or amqps://broker:5671"
                            + " (with Qpid JMS options after '?'), but is not usable: " + e.getMessage());
                }
                JmsConnector.install(context, url, jms.username(), jms.password(),
                        settings.destinations().stream().mapToInt(GatewaySettings.Destination::maxInFlight).sum());
            });
            // Before the routes and the camel.component.http.* keys: HTTP destinations' senders share a pool without one global lock.
            context.addComponent("http", new PooledHttpComponent());
            context.addComponent("https", new PooledHttpComponent());
            deliveries = new Deliveries(settings.destinations(), dataSource, template, alerts, meterRegistry, tracing);
            context.getRegistry().bind("mono-health-destinations", deliveries.healthCheck());
            main.configure().addRoutesBuilder(new DeliveryRoutes(deliveries, mapper));
        }

        /** Applying stored events (the inbox worker and the YAML routes), Mono API checks, retention. */
        private void processing(BaseMainSupport main) {
            InboxWorker worker = new InboxWorker(dataSource, routesDataSource, template, mapper, deadLetters,
                    settings.processingBatchSize(), metrics, gate::webhooksArriving,
                    settings.processingWorkersUnderLoad(), settings.processingLagTargetMs(), deliveries::wakeAll,
                    settings.destinations().isEmpty() ? BatchOutbox.NONE : deliveries.store(), tracing);
            monoApi = new MonoApiRoutes(settings.monoApi(), dataSource, routesDataSource, alerts, mapper, meterRegistry,
                    deliveries::wakeAll, tracing);
            main.configure().addRoutesBuilder(monoApi);
            main.configure().addRoutesBuilder(new Retention(dataSource, settings.retentionMs(), settings.retentionIntervalMs(),
                    meterRegistry));
            main.configure().addRoutesBuilder(new ProcessingRoutes(worker, settings, alerts, deadLetters,
                    monoApi.schedulesChecks() ? Optional.of(monoApi::scheduleChecks) : Optional.empty()));
        }

        /** Alert emails from the queue (none when mono.alerts.enabled=false). */
        private void alertEmails(BaseMainSupport main, CamelContext context) {
            if (!settings.alerts().enabled()) {
                return;
            }
            AlertComposer composer = new AlertComposer(context, settings.alerts().templatesDir(), settings.adminBaseUrl(),
                    !settings.adminTokens().isEmpty(), settings.alerts().digestWindowMs(), settings.alerts().digestMaxEntries());
            AlertSender sender = new AlertSender(dataSource, template, composer, mapper, settings.alerts().digestThreshold());
            main.configure().addRoutesBuilder(new AlertRoutes(sender, settings));
        }

        /**
         * The admin API and the console, on the management port (none without mono.admin.token; a token with the
         * management port off stops the start): its guard, and the component every route builder's admin calls consume.
         */
        private void admin(BaseMainSupport main, CamelContext context) {
            if (settings.adminTokens().isEmpty()) {
                return;
            }
            context.addComponent(AdminHttp.COMPONENT, AdminHttp.component(settings.operations().managementPort()));
            main.configure().addRoutesBuilder(new DeadLetterRoutes(deadLetters, mapper, template));
            main.configure().addRoutesBuilder(new EventLogRoutes(new EventLog(dataSource, mapper,
                    settings.destinations().stream().map(GatewaySettings.Destination::name).toList()), mapper, template));
            adminHttp = Optional.of(new AdminHttp(context, new SecretMatcher(settings.adminTokens()),
                    new ConsoleSessions(settings.adminSessionTimeoutMs()), settings.adminTrustedProxies()));
        }

        /**
         * Health checks and the backlog figures behind them and the metrics; the management port serving them
         * and the admin API, with the webhook port's timeouts.
         */
        private void operations(BaseMainSupport main, CamelContext context) {
            for (var check : GatewayHealthChecks.all(dataSource, database.description(), stats, gate::isDraining)) {
                context.getRegistry().bind("mono-health-" + check.getId(), check);
            }
            main.configure().addRoutesBuilder(new RouteBuilder() {
                @Override
                public void configure() {
                    // Keeps the backlog gauges current without a database query per scrape.
                    from("timer:mono-stats?period=5000").routeId("mono-stats").process(exchange -> {
                        stats.refresh();
                        deliveries.refresh();
                    });
                }
            });
            var ops = settings.operations();
            if (!ops.managementEnabled()) {
                return;
            }
            var properties = context.getPropertiesComponent();
            List<java.util.function.Consumer<io.vertx.ext.web.Router>> routes = new java.util.ArrayList<>();
            routes.add(new ManagementEndpoints(context, meterRegistry,
                    properties.resolveProperty("camel.management.health-check-enabled").map(Boolean::parseBoolean).orElse(true),
                    properties.resolveProperty("camel.management.metrics-enabled").map(Boolean::parseBoolean).orElse(true)));
            // The admin API shares the management port, never the webhook port.
            adminHttp.ifPresent(admin -> routes.add(admin::install));
            var http = settings.http();
            startService(context, new GuardedHttpServer("management", "camel.management.host, camel.management.port",
                    ops.managementHost(), ops.managementPort(), settings.maxBodyBytes(), http.requestTimeoutMs(),
                    http.idleTimeoutMs(), routes));
        }

        @Override
        public void afterConfigure(BaseMainSupport main) {
            try {
                RouteCheck.requireComplete(main.getCamelContext());
                // Now, not earlier: an endpoint created before Camel main applied camel.component.* would keep
                // the component's defaults (timeouts among them) for good.
                connectionsForEverySender(main.getCamelContext(), settings.destinations());
                requireDeliverable(main.getCamelContext(), settings.destinations());
            } catch (RuntimeException e) {
                afterStop(main);
                throw e;
            }
        }

        /**
         * An HTTP destination's senders each need a connection: the pool (camel.component.http.connections-per-route)
         * is raised to the largest max-in-flight when set lower, or sends would wait for one and time out.
         */
        private static void connectionsForEverySender(CamelContext context, List<GatewaySettings.Destination> destinations) {
            for (String scheme : List.of("http", "https")) {
                int needed = destinations.stream().filter(d -> d.uri().toLowerCase(Locale.ROOT).startsWith(scheme + ":"))
                        .mapToInt(GatewaySettings.Destination::maxInFlight).max().orElse(0);
                if (needed == 0) {
                    continue;
                }
                var http = context.getComponent(scheme, org.apache.camel.component.http.HttpComponent.class);
                if (http.getConnectionsPerRoute() < needed) {
                    http.setConnectionsPerRoute(needed);
                }
                if (http.getMaxTotalConnections() < needed) {
                    http.setMaxTotalConnections(needed);
                }
            }
        }

        /**
         * Every destination's URI must resolve to an endpoint now: a connector missing from the jar or a
         * misspelt option stops the start with the destination and the key to fix, not a dead letter per event.
         */
        private static void requireDeliverable(CamelContext context, List<GatewaySettings.Destination> destinations) {
            for (var destination : destinations) {
                String key = GatewaySettings.DEFAULT_DESTINATION.equals(destination.name()) ? "mono.forward.uri"
                        : "mono.forward." + destination.name() + ".uri";
                try {
                    context.getEndpoint(destination.uri());
                } catch (RuntimeException e) {
                    Throwable root = e;
                    while (root.getCause() != null && root.getCause() != root) {
                        root = root.getCause();
                    }
                    throw new SettingsException("destination '" + destination.name() + "' cannot be used (" + key + "="
                            + SensitiveValues.uri(destination.uri(), context) + "): "
                            + org.apache.camel.util.URISupport.sanitizeUri(String.valueOf(root.getMessage()))
                            + " (connectors in the jar: kafka, http, https, amqp, direct, seda, log, file)");
                }
            }
        }

        /** Adds and starts a service; a settings problem it meets (a port in use) stays a one-line start error. */
        private static void startService(CamelContext context, Object service) {
            try {
                context.addService(service, true, true);
            } catch (Exception e) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    if (t instanceof SettingsException settingsProblem) {
                        throw settingsProblem;
                    }
                }
                throw new IllegalStateException("cannot start " + service, e);
            }
        }

        @Override
        public void afterStart(BaseMainSupport main) {
            deliveries.start();
            StartupSummary.log(main.getCamelContext(), settings, database.description(),
                    localProperties ? "./application.properties over the defaults packed in the jar" : "the defaults packed in the jar");
        }

        @Override
        public void beforeStop(BaseMainSupport main) {
            if (gate == null) {
                return;
            }
            try {
                deliveries.stop(); // a send in progress finishes and is settled; the rest stay queued
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long timeout = settings.operations().shutdownTimeoutMs();
            LOG.info("Shutting down: new webhooks get 503, waiting up to {} ms for those in flight", timeout);
            try {
                if (!gate.drain(timeout)) {
                    LOG.warn("Webhooks still in flight after {} ms; stopping anyway (they were not answered 200)", timeout);
                }
                // A suspended platform-http consumer answers 503 itself; while Camel stops the route, a
                // request could otherwise be rejected with 500.
                main.getCamelContext().getRouteController().suspendRoute(IngestRoutes.ROUTE_ID);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("Could not suspend the webhook route before stopping it: {}", e.toString());
            }
        }

        @Override
        public void afterStop(BaseMainSupport main) {
            if (inbox != null) {
                inbox.close();
                inbox = null;
            }
            tracing.close(); // the last spans, once nothing makes more
            tracing = Tracing.OFF;
            if (database != null) {
                database.close();
                database = null;
            }
        }
    }
}
