package com.monogateway;

import com.monogateway.config.SettingsException;
import com.monogateway.trigger.TriggerCommand;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

/**
 * Entry point of {@code java -jar mono-webhook-gateway.jar}: runs the gateway, or with
 * {@code trigger ...} posts sample events to a running one.
 */
public final class GatewayMain {

    private static final String LOG_FORMAT = "mono.log.format";

    private GatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("trigger")) {
            System.exit(TriggerCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        int exit;
        try {
            // Logging reads this once, at its first use: it must be known before anything logs.
            System.setProperty(LOG_FORMAT, logFormat());
            exit = Gateway.create(new Properties()).run(args);
        } catch (RuntimeException e) {
            String reason = startFailure(e).orElseThrow(() -> e);
            System.err.println("mono-webhook-gateway cannot start: " + reason);
            exit = 2;
        }
        System.exit(exit);
    }

    /**
     * The one line that explains a failed start caused by the set-up (a setting, a taken port, a route
     * file that does not load), or empty for anything else (a bug: its stack trace is worth more).
     */
    public static java.util.Optional<String> startFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SettingsException) {
                return java.util.Optional.of(t.getMessage());
            }
            if (t.getClass().getName().startsWith("org.apache.camel.dsl.yaml.") || t.getClass().getName().startsWith("org.snakeyaml.")) {
                // YAML errors span lines (the offending line and a caret): keep the message and its location.
                String message = String.join(" ", t.getMessage().lines().limit(2).map(String::strip).toList());
                return java.util.Optional.of("a route file could not be loaded: " + message);
            }
        }
        return java.util.Optional.empty();
    }

    /** mono.log.format from the same sources as every setting: system property, environment, application.properties. */
    private static String logFormat() throws IOException {
        String value = System.getProperty(LOG_FORMAT);
        if (value == null) {
            value = System.getenv("MONO_LOG_FORMAT");
        }
        if (value == null) {
            Properties file = new Properties();
            Path local = Path.of("application.properties");
            try (InputStream in = Files.isRegularFile(local) ? Files.newInputStream(local)
                    : GatewayMain.class.getResourceAsStream("/application.properties")) {
                if (in != null) {
                    file.load(in);
                }
            }
            value = file.getProperty(LOG_FORMAT, "text");
        }
        value = value.trim().toLowerCase(Locale.ROOT);
        if (!value.equals("text") && !value.equals("json")) {
            throw new SettingsException(LOG_FORMAT + " must be text or json, but is '" + value + "'");
        }
        return value;
    }
}
