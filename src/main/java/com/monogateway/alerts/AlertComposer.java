package com.monogateway.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Writes alert emails from editable templates: Camel Simple text files in {@code mono.alerts.templates-dir}
 * (default {@code routes/templates}), read at every use so an edit shows in the next email. The first
 * line is {@code Subject: ...}; the rest is the body. Fields are Simple variables: {@code ${variable.reference}}.
 */
public final class AlertComposer {

    /** A composed email. */
    public record Mail(String subject, String body) {
    }

    /** One queued alert, as read back from the table. */
    public record QueuedAlert(long id, String kind, String eventType, Map<String, String> details, String createdAt) {
    }

    private final CamelContext context;
    private final Path templatesDir;
    private final String adminBaseUrl;
    private final boolean adminEnabled;
    private final long windowMs;
    private final int maxEntries;

    public AlertComposer(CamelContext context, Path templatesDir, String adminBaseUrl, boolean adminEnabled, long windowMs,
            int maxEntries) {
        this.context = context;
        this.templatesDir = templatesDir;
        this.adminBaseUrl = adminBaseUrl;
        this.adminEnabled = adminEnabled;
        this.windowMs = windowMs;
        this.maxEntries = maxEntries;
    }

    public Mail single(QueuedAlert alert) {
        Map<String, Object> fields = new TreeMap<>(visible(alert.details()));
        fields.put("raisedAt", alert.createdAt());
        String deadLetter = alert.details().getOrDefault("deadLetterId", "");
        fields.put("replayCommand", adminCall("/admin/dead-letters/" + deadLetter + "/replay", ""));
        fields.put("discardCommand", adminCall("/admin/dead-letters/" + deadLetter + "/discard",
                " -H 'Content-Type: application/json' -d '{\"reason\":\"...\"}'"));
        fields.put("mismatchesCommand", adminCall("/admin/payments/mismatches", ""));
        return render(switch (alert.kind()) {
            case "dead_letter" -> "alert-dead-letter.txt";
            case "verification" -> "alert-verification.txt";
            default -> "alert-event.txt";
        }, fields);
    }

    public Mail digest(List<QueuedAlert> alerts) {
        Map<String, Long> byType = new TreeMap<>();
        for (QueuedAlert alert : alerts) {
            byType.merge(label(alert), 1L, Long::sum);
        }
        StringBuilder counts = new StringBuilder();
        byType.forEach((type, count) -> counts.append(String.format("  %6d  %s%n", count, type)));
        StringBuilder entries = new StringBuilder();
        for (QueuedAlert alert : alerts.subList(0, Math.min(maxEntries, alerts.size()))) {
            Map<String, String> d = visible(alert.details());
            entries.append(String.format("  %s  %s  ref %s  %s  %s%n", alert.createdAt(), label(alert),
                    d.getOrDefault("reference", "-"), d.getOrDefault("amount", "-"), d.getOrDefault("reason", "-")));
        }
        Map<String, Object> fields = new TreeMap<>();
        fields.put("total", alerts.size());
        fields.put("shown", Math.min(maxEntries, alerts.size()));
        fields.put("window", windowText());
        fields.put("countsByType", counts.toString().stripTrailing());
        fields.put("entries", entries.toString().stripTrailing());
        fields.put("listCommand", adminCall("/admin/dead-letters?status=open", ""));
        fields.put("replayAllCommand", adminCall("/admin/dead-letters/replay?eventType=<type>&from=<ISO time>&to=<ISO time>", ""));
        return render("alert-digest.txt", fields);
    }

    /** One email for a window's dead deliveries to one destination. */
    public Mail deliveries(String destination, List<QueuedAlert> alerts) {
        StringBuilder entries = new StringBuilder();
        for (QueuedAlert alert : alerts.subList(0, Math.min(maxEntries, alerts.size()))) {
            Map<String, String> d = visible(alert.details());
            entries.append(String.format("  #%s  %s  %s  object %s  %s%n", d.getOrDefault("deliveryId", "-"), alert.eventType(),
                    d.getOrDefault("dedupeKey", "-"), d.getOrDefault("objectId", "-"), d.getOrDefault("reason", "-")));
        }
        Map<String, Object> fields = new TreeMap<>();
        fields.put("destination", destination);
        fields.put("total", alerts.size());
        fields.put("shown", Math.min(maxEntries, alerts.size()));
        fields.put("reason", visible(alerts.get(alerts.size() - 1).details()).getOrDefault("reason", "-"));
        fields.put("entries", entries.toString().stripTrailing());
        fields.put("retryCommand", adminCall("/admin/deliveries/retry?destination=" + destination, ""));
        fields.put("listCommand", adminCall("/admin/deliveries?status=dead&destination=" + destination, ""));
        return render("alert-delivery.txt", fields);
    }

    /**
     * Values as an operator may read them: control characters written out ({@code \r}, {@code \n},
     * {@code \u0007}), so that a CR/LF in a reference (the sender writes it) can neither end the Subject line
     * nor start lines of its own in the body (a {@code Bcc:} that looks like a header).
     */
    static Map<String, String> visible(Map<String, String> details) {
        Map<String, String> shown = new TreeMap<>();
        details.forEach((key, value) -> shown.put(key, visible(value)));
        return shown;
    }

    static String visible(String value) {
        if (value == null || value.chars().noneMatch(Character::isISOControl)) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 8);
        value.chars().forEach(ch -> {
            switch (ch) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> out.append(Character.isISOControl(ch) ? String.format("\\u%04x", ch) : String.valueOf((char) ch));
            }
        });
        return out.toString();
    }

    private static String label(QueuedAlert alert) {
        return switch (alert.kind()) {
            case "dead_letter" -> alert.eventType() + " (dead letter)";
            case "verification" -> alert.eventType() + " (Mono's API disagrees)";
            default -> alert.eventType();
        };
    }

    private String adminCall(String path, String extra) {
        String method = path.contains("?status=") || path.startsWith("/admin/deliveries?") || path.startsWith("/admin/payments/")
                ? "" : "-X POST ";
        String call = "curl " + method + "-H \"Authorization: Bearer $MONO_ADMIN_TOKEN\"" + extra + " '" + adminBaseUrl + path + "'";
        return adminEnabled ? call : call + "   (first enable the admin API: set mono.admin.token)";
    }

    private String windowText() {
        return windowMs % 60_000 == 0 ? (windowMs / 60_000) + " min" : windowMs % 1_000 == 0 ? (windowMs / 1_000) + " s" : windowMs + " ms";
    }

    private Mail render(String template, Map<String, Object> fields) {
        Exchange exchange = new DefaultExchange(context);
        fields.forEach(exchange::setVariable);
        String text = context.resolveLanguage("simple").createExpression(read(template)).evaluate(exchange, String.class);
        String[] lines = text.split("\r?\n", 2);
        if (!lines[0].startsWith("Subject:")) {
            throw new IllegalStateException("alert template " + template + " must start with a 'Subject: ...' line");
        }
        // A subject is one line: values from an event must not add mail headers.
        String subject = lines[0].substring("Subject:".length()).replaceAll("[\\r\\n\\t]+", " ").strip();
        String body = lines.length > 1 ? lines[1].replaceFirst("^\\s*\\n", "") : "";
        return new Mail(subject, body);
    }

    private String read(String template) {
        Path file = templatesDir.resolve(template);
        try {
            if (Files.isRegularFile(file)) {
                return Files.readString(file, StandardCharsets.UTF_8);
            }
            try (InputStream packed = AlertComposer.class.getResourceAsStream("/routes/templates/" + template)) {
                if (packed == null) {
                    throw new IllegalStateException("alert template " + template + " is missing from " + templatesDir);
                }
                return new String(packed.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read alert template " + file, e);
        }
    }
}
