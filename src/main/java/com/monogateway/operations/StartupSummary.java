package com.monogateway.operations;

import com.monogateway.config.GatewaySettings;
import com.monogateway.config.SensitiveValues;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one summary logged at start: what runs where, and every effective setting with secrets masked. */
public final class StartupSummary {

    private static final Logger LOG = LoggerFactory.getLogger(StartupSummary.class);

    private StartupSummary() {
    }

    public static void log(CamelContext context, GatewaySettings settings, String database, String settingsSource) {
        var ops = settings.operations();
        String version = StartupSummary.class.getPackage().getImplementationVersion();
        String yamlRoutes = context.getRoutes().stream()
                .filter(r -> r.getSourceLocation() != null && r.getSourceLocation().contains(".camel.yaml"))
                .map(StartupSummary::describe).sorted().collect(Collectors.joining(", "));
        var alerts = settings.alerts();
        String alerting = !alerts.enabled() ? "off (mono.alerts.enabled=false)"
                : "to " + String.join(", ", alerts.to()) + " "
                        + settings.smtp().host().map(h -> "via SMTP " + h + ":" + settings.smtp().port() + " (" + settings.smtp().security() + ")")
                                .orElse("as .eml files in " + settings.dataDir().resolve("mail"))
                        + ", for dead letters and " + (alerts.events().isEmpty() ? "no event type" : String.join(", ", new TreeSet<>(alerts.events())));

        StringBuilder s = new StringBuilder();
        s.append("Mono Webhook Gateway ").append(version == null ? "(development build)" : version).append(" is ready\n");
        line(s, "webhooks", "POST on port " + ops.httpPort() + " at " + settings.webhookPath() + " ("
                + settings.webhookSecrets().size() + " secret(s))");
        line(s, "management", ops.managementEnabled()
                ? "port " + ops.managementPort() + ": /observe/health (/live, /ready), /observe/metrics" : "off");
        line(s, "database", database);
        line(s, "routes", yamlRoutes.isEmpty() ? "none from YAML" : yamlRoutes);
        line(s, "alerts", alerting);
        line(s, "admin API", settings.adminTokens().isEmpty() ? "off (set mono.admin.token)"
                : "on the management port " + ops.managementPort() + ", under /admin");
        line(s, "deliveries", settings.destinations().isEmpty() ? "off (set mono.forward.destinations)"
                : settings.destinations().stream().map(d -> d.name() + " -> " + SensitiveValues.uri(d.uri(), context)
                        + (d.eventGlobs().isEmpty() ? "" : " (" + String.join(", ", d.eventGlobs()) + ")"))
                        .collect(Collectors.joining("; ")));
        line(s, "Mono API", monoApi(settings.monoApi()));
        line(s, "logs", ops.logFormat());
        s.append("  settings (from ").append(settingsSource).append(", environment variables win):");
        var properties = context.getPropertiesComponent();
        var keys = new TreeSet<String>();
        properties.loadProperties(k -> k.startsWith("mono.") || k.startsWith("camel.server.") || k.startsWith("camel.management.")
                || k.startsWith("camel.component."))
                .stringPropertyNames().stream()
                // mono.forward.<name>.* are the packed defaults of each destination's keys, not settings of their own.
                .filter(k -> !k.contains("<name>")).forEach(keys::add);
        for (String key : keys) {
            String value = properties.resolveProperty(key).orElse("");
            s.append("\n    ").append(key).append(" = ").append(SensitiveValues.setting(key, value, context));
        }
        LOG.info(s.toString());
        long weak = settings.webhookSecrets().stream().filter(secret -> secret.length() < GatewaySettings.WEAK_WEBHOOK_SECRET_LENGTH).count();
        if (weak > 0) {
            LOG.warn("{} of the webhook secrets (mono.webhook.secret) {} shorter than {} characters: anyone who guesses one can post"
                    + " events; use the secret Mono's dashboard generates", weak, weak == 1 ? "is" : "are",
                    GatewaySettings.WEAK_WEBHOOK_SECRET_LENGTH);
        }
        if (settings.embeddedDatabase() && Container.detected() && !Container.onMountedVolume(settings.dataDir())) {
            LOG.warn("This looks like a container and the embedded PostgreSQL keeps every event in {}, which is not on a mounted"
                    + " volume: the events are lost with the container. Set MONO_DB_URL to your PostgreSQL, or mount a volume at"
                    + " mono.data.dir (docs/deploy.md)", settings.dataDir().toAbsolutePath().normalize());
        }
    }

    /** The key itself never: only that one is set. */
    private static String monoApi(GatewaySettings.MonoApi api) {
        if (!api.enabled()) {
            return "off (no mono.api.secret-key): payments are not verified, connected accounts not filled, nothing reconciled";
        }
        String mode = api.verification().name().toLowerCase(java.util.Locale.ROOT);
        return api.baseUrl() + " (key set), payments verified: " + mode
                + (api.verification() == GatewaySettings.VerifyMode.OFF ? ""
                        : ", reconciled after " + api.reconcileAfterMs() / 1000 + " s for up to " + api.reconcileMaxAgeMs() / 3_600_000
                                + " h" + (api.sweepIntervalMs() > 0 ? ", payment list swept every " + api.sweepIntervalMs() / 60_000
                                        + " min" : ""))
                + ", at most " + api.maxRequestsPerSecond() + " calls/s";
    }

    private static void line(StringBuilder s, String what, String value) {
        s.append(String.format(Locale.ROOT, "  %-11s %s%n", what + ":", value));
    }

    private static String describe(Route route) {
        String source = route.getSourceLocationShort() != null ? route.getSourceLocationShort() : route.getSourceLocation();
        return route.getRouteId() + " (" + source + ")";
    }
}
