package com.monogateway.trigger;

import com.monogateway.config.PropertyLayers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code trigger <event-type> [--url U] [--secret S] [--count N] [--file F]}: posts realistic sample
 * events (or a file) to a running gateway, as Mono would, and prints each answer. By default it posts to
 * the gateway that this directory's settings describe (application.properties, its profile, environment
 * variables): its port, webhook path and first webhook secret. {@code trigger --list} names the event types.
 */
@Command(name = "trigger", mixinStandardHelpOptions = false, sortOptions = false,
        description = "Posts realistic Mono sample events (or a JSON file) to a running gateway and prints each answer.",
        footer = {"", "Without --url and --secret, the port, path and secret come from ./application.properties (or the",
            "copy in the jar), its profile and the environment: the gateway this directory starts.",
            "Exit code: 0 every post answered 200, 1 one did not (or nothing listens), 2 wrong usage."})
public final class TriggerCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "<event-type>", description = "an event type (see --list)")
    private String type;

    @Option(names = "--url", paramLabel = "U", description = "webhook URL (default: from the settings, http://localhost:<port><path>)")
    private String url;

    @Option(names = "--secret", paramLabel = "S", description = "the mono-webhook-secret to send (default: the first of mono.webhook.secret)")
    private String secret;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "how many events to post, each with fresh ids (default 1)")
    private int count;

    @Option(names = "--file", paramLabel = "F", description = "post this JSON file as it is instead of a generated sample")
    private Path file;

    @Option(names = "--list", description = "name the event types it can generate")
    private boolean list;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
    private boolean help;

    private final Properties settings;
    private PrintStream out;
    private PrintStream err;

    private TriggerCommand(Properties settings) {
        this.settings = settings;
    }

    /** Runs the command with this directory's settings; answers the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, PropertyLayers.fileSettings());
    }

    /** Runs the command with the given settings in place of this directory's. */
    public static int run(String[] args, PrintStream out, PrintStream err, Properties settings) {
        TriggerCommand command = new TriggerCommand(settings);
        command.out = out;
        command.err = err;
        CommandLine line = new CommandLine(command)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setParameterExceptionHandler((e, arguments) -> {
                    err.println("trigger: " + e.getMessage());
                    e.getCommandLine().usage(err);
                    return 2;
                });
        return line.execute(args);
    }

    @Override
    public Integer call() {
        SampleEvents samples = new SampleEvents(new SecureRandom());
        if (list) {
            samples.types().forEach(out::println);
            return 0;
        }
        String problem = type == null && file == null ? "name an event type (see trigger --list) or give --file"
                : type != null && file == null && !samples.knows(type) ? "unknown event type '" + type + "'; trigger --list shows the known ones"
                : count < 1 ? "--count must be at least 1" : null;
        String target = url != null ? url : defaultUrl();
        String key = secret != null ? secret : defaultSecret();
        if (problem == null && (key == null || key.isBlank())) {
            problem = "give --secret, or set mono.webhook.secret (MONO_WEBHOOK_SECRET) as the gateway has it";
        }
        URI uri = null;
        if (problem == null) {
            try {
                uri = URI.create(target);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    problem = "--url must be an http(s) URL such as http://localhost:8080/webhooks/mono, not '" + target + "'";
                }
            } catch (IllegalArgumentException e) {
                problem = "--url is not a URL: " + e.getMessage();
            }
        }
        if (problem != null) {
            err.println("trigger: " + problem);
            return 2;
        }
        String fileBody = null;
        if (file != null) {
            try {
                fileBody = Files.readString(file);
            } catch (IOException e) {
                err.println("trigger: cannot read " + file + ": " + e);
                return 2;
            }
        }
        return post(samples, uri, key, fileBody);
    }

    private int post(SampleEvents samples, URI uri, String key, String fileBody) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        int failures = 0;
        String label = type != null ? type : file.toString();
        for (int n = 1; n <= count; n++) {
            try {
                String body = fileBody != null ? fileBody : samples.next(type);
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("mono-webhook-secret", key)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(), HttpResponse.BodyHandlers.ofString());
                out.printf("%d/%d %s -> %d %s%n", n, count, label, response.statusCode(), response.body());
                if (response.statusCode() != 200) {
                    failures++;
                }
            } catch (ConnectException | HttpConnectTimeoutException e) {
                err.printf("trigger: nothing listens at %s (%s). Is the gateway running? Start it with"
                        + " java -jar target/mono-webhook-gateway.jar, or give --url.%n", uri,
                        e instanceof ConnectException ? "connection refused" : "no answer to connect within 5 s");
                return 1;
            } catch (IOException e) {
                err.printf("%d/%d %s -> cannot reach %s: %s%n", n, count, label, uri, e.getMessage() != null ? e.getMessage() : e);
                failures++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        if (count > 1) {
            out.printf("%d of %d answered 200%n", count - failures, count);
        }
        return failures == 0 ? 0 : 1;
    }

    /** The webhook URL of the gateway these settings describe (its host when it listens on one address). */
    private String defaultUrl() {
        String host = settings.getProperty("camel.server.host", "0.0.0.0").strip();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
            host = "localhost";
        }
        String port = settings.getProperty("camel.server.port", "8080").strip();
        String path = settings.getProperty("mono.webhook.path", "/webhooks/mono").strip();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + path;
    }

    private String defaultSecret() {
        return Arrays.stream(settings.getProperty("mono.webhook.secret", "").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).findFirst().orElse(null);
    }
}
