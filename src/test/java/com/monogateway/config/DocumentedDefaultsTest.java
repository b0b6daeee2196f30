package com.monogateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * application.properties (packed in the jar) is the one place defaults are written: the configuration
 * tables must say the same, and GatewaySettings, given nothing, must read exactly the file's defaults.
 */
class DocumentedDefaultsTest {

    /** A row of a table of keys (docs/configuration.md, docs/delivery.md); {@code <name>} stands for a destination's name. */
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z][a-z0-9.<>-]+)` \\| (.+?) \\| .*\\|$");

    private static Properties file() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("application.properties"))) {
            p.load(in);
        }
        return p;
    }

    /** The reference pages whose tables list every setting (the README links them). */
    static final List<Path> SETTINGS_PAGES = List.of(Path.of("docs", "configuration.md"), Path.of("docs", "delivery.md"));

    /** Key -> the default column as written, for the rows of the settings tables. */
    private static Map<String, String> readmeTable() throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        for (Path page : SETTINGS_PAGES) {
            for (String line : Files.readAllLines(page)) {
                Matcher m = ROW.matcher(line);
                if (m.matches()) {
                    rows.put(m.group(1), m.group(2).strip());
                }
            }
        }
        return rows;
    }

    /** What a default cell means: a `value`, or empty for "(empty)" / "(none...)". */
    private static Optional<String> documented(String cell) {
        if (cell.startsWith("*(")) {
            return Optional.of("");
        }
        Matcher code = Pattern.compile("^`([^`]*)`$").matcher(cell);
        return code.matches() ? Optional.of(code.group(1)) : Optional.empty();
    }

    @Test
    void everyKeyOfTheFileIsInTheReadmeTableWithTheSameDefault() throws IOException {
        Properties file = file();
        Map<String, String> table = readmeTable();
        List<String> problems = new ArrayList<>();
        for (String key : new java.util.TreeSet<>(file.stringPropertyNames())) {
            String cell = table.get(key);
            if (cell == null) {
                problems.add(key + ": not in the settings tables of " + SETTINGS_PAGES);
                continue;
            }
            Optional<String> value = documented(cell);
            if (value.isEmpty()) {
                problems.add(key + ": the documented default is not a `value` or *(empty)*: " + cell);
            } else if (!value.get().equals(file.getProperty(key).strip())) {
                problems.add(key + ": the settings table says " + cell + ", application.properties says '" + file.getProperty(key) + "'");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void givenNothingButASecretTheSettingsAreThePackedDefaults() throws IOException {
        Properties file = file();
        // The start refuses without a webhook secret (the file's is empty): the one key given.
        GatewaySettings settings = GatewaySettings.from(key -> key.equals(GatewaySettings.WEBHOOK_SECRET) ? Optional.of("s")
                : Optional.empty());
        assertEquals(file.getProperty("mono.webhook.path"), settings.webhookPath());
        assertEquals(Integer.parseInt(file.getProperty("mono.processing.workers")), settings.processingWorkers());
        assertEquals(GatewaySettings.durationMillis(file.getProperty("mono.db.startup-wait")), settings.dbStartupWaitMs());
        assertEquals(Double.parseDouble(file.getProperty("mono.redelivery.backoff-multiplier")),
                settings.redelivery().backoffMultiplier());
        assertEquals(Boolean.parseBoolean(file.getProperty("camel.management.enabled")), settings.operations().managementEnabled());
        assertEquals(file.getProperty("mono.log.format"), settings.operations().logFormat());
        assertEquals(file.getProperty("mono.alerts.to"), String.join(",", settings.alerts().to()));
        assertEquals(Set.of(file.getProperty("mono.alerts.events").split(",")), settings.alerts().events());
        assertEquals(file.getProperty("mono.verify.payments"), settings.monoApi().verifyPayments().name().toLowerCase(Locale.ROOT));
        // Empty in the file on purpose: unset, off.
        assertEquals("", file.getProperty("mono.db.url"));
        assertTrue(settings.embeddedDatabase());
        assertEquals(List.of(), settings.adminTokens());
        assertTrue(settings.smtp().host().isEmpty());
        assertTrue(settings.monoApi().secretKey().isEmpty());
        assertTrue(settings.jms().url().isEmpty() && settings.jms().password().isEmpty());
        assertEquals(List.of(), settings.destinations());
        // Computed where the file says so: its placeholder, and an empty SMTP port that follows mono.smtp.ssl.
        assertEquals(file.getProperty("mono.admin.base-url").replace("{{camel.management.port}}",
                file.getProperty("camel.management.port")), settings.adminBaseUrl());
        assertEquals("", file.getProperty("mono.smtp.port"));
        assertEquals(587, settings.smtp().port());
        assertEquals(465, read(Map.of("mono.smtp.ssl", "true")).smtp().port());
        assertEquals("http://localhost:9191", read(Map.of("camel.management.port", "9191")).adminBaseUrl());
    }

    @Test
    void aBlankValueHasThePackedDefaultButAListGivenEmptyStaysEmpty() throws IOException {
        Properties file = file();
        GatewaySettings settings = read(Map.of("mono.webhook.path", " ", "mono.shutdown.timeout", "", "mono.alerts.events", ""));
        assertEquals(file.getProperty("mono.webhook.path"), settings.webhookPath());
        assertEquals(GatewaySettings.durationMillis(file.getProperty("mono.shutdown.timeout")),
                settings.operations().shutdownTimeoutMs());
        assertEquals(Set.of(), settings.alerts().events(), "docs/configuration.md: empty, only dead letters alert");
    }

    @Test
    void aDestinationsKeysHaveTheFilesDefaultsForEveryName() throws IOException {
        Properties file = file();
        GatewaySettings.Destination erp = read(Map.of("mono.forward.destinations", "erp", "mono.forward.erp.uri", "log:erp",
                "mono.forward.erp.lease", "90s")).destinations().get(0);
        assertEquals(GatewaySettings.durationMillis(file.getProperty("mono.forward.<name>.max-age")), erp.maxAgeMs());
        assertEquals(GatewaySettings.durationMillis(file.getProperty("mono.forward.<name>.initial-backoff")), erp.initialBackoffMs());
        assertEquals(GatewaySettings.durationMillis(file.getProperty("mono.forward.<name>.max-backoff")), erp.maxBackoffMs());
        assertEquals(90_000, erp.leaseMs());
        assertEquals(List.of(), erp.eventGlobs());
        assertEquals(file.getProperty("mono.forward.<name>.max-age"), PackagedDefaults.of("mono.forward.erp-2.max-age"));
    }

    @Test
    void aKeyMissingFromThePackedFileIsAProgrammingError() throws IOException {
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> PackagedDefaults.of("mono.webhook.no-such-key"));
        assertEquals("mono.webhook.no-such-key has no default in the packed application.properties", missing.getMessage());
        // A destination's URI has no default: it is required.
        assertThrows(IllegalStateException.class, () -> PackagedDefaults.of("mono.forward.erp.uri"));
        assertEquals(file().getProperty("mono.webhook.path"), PackagedDefaults.of("mono.webhook.path"));
    }

    private static GatewaySettings read(Map<String, String> values) {
        Map<String, String> all = new java.util.HashMap<>(values);
        all.putIfAbsent(GatewaySettings.WEBHOOK_SECRET, "s");
        return GatewaySettings.from(key -> Optional.ofNullable(all.get(key)));
    }
}
