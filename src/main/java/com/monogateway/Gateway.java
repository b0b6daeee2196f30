package com.monogateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.config.GatewaySettings;
import com.monogateway.database.GatewayDatabase;
import com.monogateway.ingest.Inbox;
import com.monogateway.ingest.IngestRoutes;
import com.monogateway.ingest.WebhookReceiver;
import com.monogateway.ingest.WebhookSecrets;
import com.monogateway.processing.EventFields;
import com.monogateway.processing.InboxProcessor;
import com.monogateway.processing.ProcessingRoutes;
import org.apache.camel.util.URISupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.camel.CamelContext;
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
        if (!Files.isDirectory(Path.of("routes"))) {
            main.addInitialProperty("camel.main.routes-include-pattern", "classpath:routes/*.camel.yaml");
            main.addInitialProperty("camel.main.routes-reload-enabled", "false");
        }
        if (!overrides.isEmpty()) {
            main.setOverrideProperties(overrides);
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

            database = GatewayDatabase.open(settings);
            context.getRegistry().bind(DATA_SOURCE, database.dataSource());
            ObjectMapper mapper = new ObjectMapper();

            Inbox inbox = new Inbox(database.dataSource());
            WebhookReceiver receiver = new WebhookReceiver(
                    new WebhookSecrets(settings.webhookSecrets()), inbox, mapper, settings.maxBodyBytes());
            main.configure().addRoutesBuilder(new IngestRoutes(receiver));

            context.getRegistry().bind(EVENT_FIELDS, new EventFields());
            InboxProcessor processor = new InboxProcessor(
                    database.dataSource(), context.createProducerTemplate(), mapper, settings.sweepBatchSize());
            main.configure().addRoutesBuilder(new ProcessingRoutes(processor, settings.forwardUri()));
            settings.forwardUri().ifPresent(uri -> LOG.info("Applied events are also forwarded to {}", uriWithoutSecrets(uri)));
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
