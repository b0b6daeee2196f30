package com.monogateway.trigger;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * {@code trigger <event-type> [--url U] [--secret S] [--count N] [--file F]}: posts realistic sample
 * events (or a file) to a running gateway, as Mono would, and prints each answer. {@code trigger --list}
 * names the event types it knows.
 */
public final class TriggerCommand {

    static final String USAGE = """
            usage: java -jar mono-webhook-gateway.jar trigger <event-type> [--url U] [--secret S] [--count N]
                   java -jar mono-webhook-gateway.jar trigger [<event-type>] --file F [--url U] [--secret S] [--count N]
                   java -jar mono-webhook-gateway.jar trigger --list
              --url     webhook URL (default http://localhost:8080/webhooks/mono)
              --secret  the mono-webhook-secret to send (default: environment variable MONO_WEBHOOK_SECRET)
              --count   how many events to post, each with fresh ids (default 1)
              --file    post this JSON file as it is instead of a generated sample""";

    private TriggerCommand() {
    }

    /** Runs the command; answers the exit code: 0 when every post got 200, 1 when one did not, 2 for bad usage. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String type = null;
        String url = "http://localhost:8080/webhooks/mono";
        String secret = System.getenv("MONO_WEBHOOK_SECRET");
        String file = null;
        int count = 1;
        SampleEvents samples = new SampleEvents(new SecureRandom());
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--list" -> {
                        samples.types().forEach(out::println);
                        return 0;
                    }
                    case "--url" -> url = value(args, ++i, "--url");
                    case "--secret" -> secret = value(args, ++i, "--secret");
                    case "--file" -> file = value(args, ++i, "--file");
                    case "--count" -> {
                        count = Integer.parseInt(value(args, ++i, "--count"));
                        if (count < 1) {
                            throw new IllegalArgumentException("--count must be at least 1");
                        }
                    }
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> {
                        if (args[i].startsWith("--") || type != null) {
                            throw new IllegalArgumentException("unexpected argument: " + args[i]);
                        }
                        type = args[i];
                    }
                }
            }
            if (type == null && file == null) {
                throw new IllegalArgumentException("name an event type (see trigger --list) or give --file");
            }
            if (type != null && file == null && !samples.knows(type)) {
                throw new IllegalArgumentException("unknown event type '" + type + "'; trigger --list shows the known ones");
            }
            if (secret == null || secret.isBlank()) {
                throw new IllegalArgumentException("give --secret or set MONO_WEBHOOK_SECRET");
            }
        } catch (NumberFormatException e) {
            err.println("trigger: --count must be a whole number\n" + USAGE);
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("trigger: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }

        String fileBody = null;
        if (file != null) {
            try {
                fileBody = Files.readString(Path.of(file));
            } catch (IOException e) {
                err.println("trigger: cannot read " + file + ": " + e.getMessage());
                return 2;
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        int failures = 0;
        for (int n = 1; n <= count; n++) {
            String label = type != null ? type : file;
            try {
                String body = fileBody != null ? fileBody : samples.next(type);
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("mono-webhook-secret", secret)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(), HttpResponse.BodyHandlers.ofString());
                out.printf("%d/%d %s -> %d %s%n", n, count, label, response.statusCode(), response.body());
                if (response.statusCode() != 200) {
                    failures++;
                }
            } catch (IOException e) {
                err.printf("%d/%d %s -> cannot reach %s: %s%n", n, count, label, url, e.getMessage());
                failures++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            } catch (IllegalArgumentException e) {
                err.println("trigger: bad --url: " + e.getMessage());
                return 2;
            }
        }
        if (count > 1) {
            out.printf("%d of %d answered 200%n", count - failures, count);
        }
        return failures == 0 ? 0 : 1;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
