package com.monogateway.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The gateway's own settings (the {@code mono.*} keys), read once at start through Camel's property
 * placeholders so that environment variables override {@code application.properties}. Every value is
 * checked here so that a wrong one stops the start with a message naming its key.
 */
public record GatewaySettings(
        String webhookPath,
        List<String> webhookSecrets,
        int maxBodyBytes,
        Optional<String> dbUrl,
        String dbUsername,
        String dbPassword,
        int dbPoolSize,
        int dbConnectionTimeoutMs,
        Path dataDir,
        int embeddedDbPort,
        int processingWorkers,
        int processingQueueSize,
        int sweepIntervalMs,
        int sweepBatchSize,
        boolean liveOnly,
        Optional<String> forwardUri) {

    public static final String WEBHOOK_SECRET = "mono.webhook.secret";

    /** Reads and validates every key; {@code lookup} answers a key's raw value, or empty when unset. */
    public static GatewaySettings from(Function<String, Optional<String>> lookup) {
        Reader r = new Reader(lookup);
        String path = r.text("mono.webhook.path", "/webhooks/mono");
        if (!path.startsWith("/") || path.contains(" ")) {
            throw new SettingsException("mono.webhook.path must be a URL path starting with '/', but is '" + path + "'");
        }
        List<String> secrets = Arrays.stream(r.text(WEBHOOK_SECRET, "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (secrets.isEmpty()) {
            throw new SettingsException("No webhook secret is configured: set " + WEBHOOK_SECRET
                    + " (environment variable MONO_WEBHOOK_SECRET) to the secret shown in the Mono dashboard;"
                    + " during a rotation give old and new, comma-separated. The gateway refuses every request without one.");
        }
        return new GatewaySettings(
                path,
                secrets,
                r.positiveInt("mono.webhook.max-body-bytes", 1_048_576),
                r.optional("mono.db.url"),
                r.text("mono.db.username", ""),
                r.text("mono.db.password", ""),
                r.positiveInt("mono.db.pool-size", 16),
                r.intAtLeast("mono.db.connection-timeout-ms", 2_000, 250),
                Path.of(r.text("mono.data.dir", "./data")),
                r.port("mono.embedded-db.port", 15432),
                r.positiveInt("mono.processing.workers", 4),
                r.positiveInt("mono.processing.queue-size", 10_000),
                r.intAtLeast("mono.processing.sweep-interval-ms", 5_000, 100),
                r.positiveInt("mono.processing.sweep-batch-size", 100),
                r.bool("mono.live-only", false),
                r.optional("mono.forward.uri"));
    }

    public boolean embeddedDatabase() {
        return dbUrl.isEmpty();
    }

    /** Reads one key at a time and turns a bad value into a message that names the key. */
    private record Reader(Function<String, Optional<String>> lookup) {

        Optional<String> optional(String key) {
            return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
        }

        String text(String key, String fallback) {
            return optional(key).orElse(fallback);
        }

        int positiveInt(String key, int fallback) {
            return intAtLeast(key, fallback, 1);
        }

        int intAtLeast(String key, int fallback, int min) {
            String raw = text(key, Integer.toString(fallback));
            try {
                int value = Integer.parseInt(raw);
                if (value < min) {
                    throw new SettingsException(key + " must be at least " + min + ", but is " + value);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new SettingsException(key + " must be a whole number, but is '" + raw + "'");
            }
        }

        int port(String key, int fallback) {
            int value = intAtLeast(key, fallback, 0);
            if (value > 65_535) {
                throw new SettingsException(key + " must be a TCP port (0 to 65535), but is " + value);
            }
            return value;
        }

        boolean bool(String key, boolean fallback) {
            String raw = text(key, Boolean.toString(fallback)).toLowerCase();
            return switch (raw) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new SettingsException(key + " must be true or false, but is '" + raw + "'");
            };
        }
    }
}
