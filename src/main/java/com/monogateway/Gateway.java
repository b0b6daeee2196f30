package com.monogateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.config.GatewaySettings;
import com.monogateway.config.SecretMatcher;
import com.monogateway.database.GatewayDatabase;
import com.monogateway.ingest.Inbox;
import com.monogateway.ingest.IngestRoutes;
import com.monogateway.ingest.WebhookReceiver;
import com.monogateway.alerts.AlertComposer;
import com.monogateway.alerts.AlertQueue;
import com.monogateway.alerts.AlertRoutes;
import com.monogateway.alerts.AlertSender;
import com.monogateway.failure.AdminRoutes;
import com.monogateway.failure.DeadLetters;
import com.monogateway.processing.EventFields;
import com.monogateway.processing.InboxProcessor;
import com.monogateway.processing.ProcessingRoutes;
import org.apache.camel.util.URISupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.NoErrorHandlerBuilder;
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
        boolean localProperties = Files.isRegularFile(Path.of("application.properties"));
        main.setDefaultPropertyPlaceholderLocation(localProperties
                ? "file:application.properties"
                : "classpath:application.properties");
        Properties effective = new Properties();
        if (!Files.isDirectory(Path.of("routes"))) {
            // Over the packed application.properties, which names ./routes.
            effective.setProperty("camel.main.routes-include-pattern", "classpath:routes/*.camel.yaml");
            effective.setProperty("camel.main.routes-reload-enabled", "false");
        }
        effective.putAll(overrides);
        if (!effective.isEmpty()) {
            main.setOverrideProperties(effective);
        }
        main.addMainListener(new Lifecycle(localProperties));
        return main;
    }

    /** An endpoint URI fit for the log: passwords and tokens in its options are masked. */
    static String uriWithoutSecrets(String uri) {
        return URISupport.sanitizeUri(uri);
    }

    /** Opens the database and adds the Java routes before Camel reads the routes; closes it after stop. */
    private static final class Lifecycle extends MainListenerSupport {

        private final boolean localProperties;
        private GatewayDatabase database;

        Lifecycle(boolean localProperties) {
            this.localProperties = localProperties;
        }

        @Override
        public void beforeConfigure(BaseMainSupport main) {
            CamelContext context = main.getCamelContext();
            var properties = context.getPropertiesComponent();
            GatewaySettings settings = GatewaySettings.from(properties::resolveProperty);
            LOG.info("Settings from {}, routes from {}",
                    localProperties ? "./application.properties" : "the copy packed in the jar",
                    Files.isDirectory(Path.of("routes")) ? "./routes" : "the copies packed in the jar");

            // Failures in the YAML routes must reach the Dead Letter Channel of the route that called them
            // (mono-process): a route's own error handler would mark them exhausted and hide them.
            // The Java routes set their own handlers.
            context.getCamelContextExtension().setErrorHandlerFactory(new NoErrorHandlerBuilder());

            database = GatewayDatabase.open(settings);
            context.getRegistry().bind(DATA_SOURCE, database.dataSource());
            ObjectMapper mapper = new ObjectMapper();

            Inbox inbox = new Inbox(database.dataSource());
            WebhookReceiver receiver = new WebhookReceiver(
                    new SecretMatcher(settings.webhookSecrets()), inbox, mapper, settings.maxBodyBytes());
            main.configure().addRoutesBuilder(new IngestRoutes(receiver));

            ProducerTemplate template = context.createProducerTemplate();
            context.getRegistry().bind(EVENT_FIELDS, new EventFields());
            AlertQueue alerts = new AlertQueue(database.dataSource(), mapper, settings.alerts().enabled(), settings.alerts().events());
            DeadLetters deadLetters = new DeadLetters(database.dataSource(), alerts, settings.redelivery().maxAttempts());
            InboxProcessor processor = new InboxProcessor(database.dataSource(), template, mapper, settings.sweepBatchSize());
            main.configure().addRoutesBuilder(new ProcessingRoutes(processor, settings, alerts, deadLetters));
            settings.forwardUri().ifPresent(uri -> LOG.info("Applied events are also forwarded to {}", uriWithoutSecrets(uri)));

            if (settings.alerts().enabled()) {
                AlertComposer composer = new AlertComposer(context, settings.alerts().templatesDir(), settings.adminBaseUrl(),
                        !settings.adminTokens().isEmpty(), settings.alerts().digestWindowMs(), settings.alerts().digestMaxEntries());
                AlertSender sender = new AlertSender(database.dataSource(), template, composer, mapper,
                        settings.alerts().digestThreshold());
                main.configure().addRoutesBuilder(new AlertRoutes(sender, settings));
            } else {
                LOG.info("Alerts are off (mono.alerts.enabled=false)");
            }
            if (settings.adminTokens().isEmpty()) {
                LOG.info("Admin API is off: set mono.admin.token to replay and discard dead letters over HTTP");
            } else {
                main.configure().addRoutesBuilder(
                        new AdminRoutes(deadLetters, new SecretMatcher(settings.adminTokens()), mapper, template));
            }
            LOG.info("Accepting Mono webhooks on POST {} ({} secret(s) configured), database: {}",
                    settings.webhookPath(), settings.webhookSecrets().size(), database.description());
        }

        @Override
        public void afterStop(BaseMainSupport main) {
            if (database != null) {
                database.close();
                database = null;
            }
        }
    }
}
