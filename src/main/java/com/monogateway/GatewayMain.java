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

    static final String USAGE = """
            Usage: java -jar mono-webhook-gateway.jar              run the gateway
                   java -jar mono-webhook-gateway.jar trigger ...  post sample Mono events to a running gateway (trigger --help)
                   java -jar mono-webhook-gateway.jar --version    print the version
                   java -jar mono-webhook-gateway.jar --help       print this

            The gateway reads ./application.properties and ./routes/*.camel.yaml (or the copies packed in the jar).
            Every key can be overridden by an environment variable: the key in upper case, '.' and '-' as '_'
            (mono.webhook.secret -> MONO_WEBHOOK_SECRET). Required: mono.webhook.secret. See README.md.""";

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("trigger")) {
            System.exit(TriggerCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        java.util.OptionalInt answered = answerOptions(args, System.out, System.err);
        if (answered.isPresent()) {
            System.exit(answered.getAsInt());
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
     * {@code --help} and {@code --version} (and a mistyped option) are answered here, with the exit code;
     * empty when the gateway is to run.
     */
    static java.util.OptionalInt answerOptions(String[] args, java.io.PrintStream out, java.io.PrintStream err) {
        if (args.length == 0) {
            return java.util.OptionalInt.empty();
        }
        switch (args[0]) {
            case "--help", "-h", "help" -> {
                out.println(USAGE);
                return java.util.OptionalInt.of(0);
            }
            case "--version", "-V", "version" -> {
                out.println("mono-webhook-gateway " + version() + " (Apache Camel " + camelVersion() + ", Java " + Runtime.version() + ")");
                return java.util.OptionalInt.of(0);
            }
            default -> {
                err.println("mono-webhook-gateway: unknown option '" + args[0] + "'\n\n" + USAGE);
                return java.util.OptionalInt.of(2);
            }
        }
    }

    /** From Camel's own Maven metadata: in the one shaded jar, every package reports the gateway's manifest version. */
    static String camelVersion() {
        try (InputStream in = GatewayMain.class.getResourceAsStream("/META-INF/maven/org.apache.camel/camel-api/pom.properties")) {
            Properties pom = new Properties();
            if (in != null) {
                pom.load(in);
            }
            return pom.getProperty("version", "(unknown)");
        } catch (IOException e) {
            return "(unknown)";
        }
    }

    /** The version packed in the jar's manifest, or "development build" when run from the classes. */
    static String version() {
        String version = GatewayMain.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
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
