package com.monogateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * application.properties is where defaults are written; README's configuration table must say the same,
 * and the fallbacks in GatewaySettings (for a local file that leaves a key out) must agree with both.
 */
class DocumentedDefaultsTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z][a-z0-9.-]+)` \\| (.+?) \\| .*\\|$");

    private static Properties file() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("application.properties"))) {
            p.load(in);
        }
        return p;
    }

    /** Key -> the default column as written, for the rows of README's configuration table. */
    private static Map<String, String> readmeTable() throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                rows.put(m.group(1), m.group(2).strip());
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
                problems.add(key + ": not in README's configuration table");
                continue;
            }
            Optional<String> value = documented(cell);
            if (value.isEmpty()) {
                problems.add(key + ": README's default is not a `value` or *(empty)*: " + cell);
            } else if (!value.get().equals(file.getProperty(key).strip())) {
                problems.add(key + ": README says " + cell + ", application.properties says '" + file.getProperty(key) + "'");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theSettingsFallbacksAreTheFilesDefaults() throws IOException {
        Properties file = file();
        // The one key without a default: both sides get the same secret.
        GatewaySettings fromFile = GatewaySettings.from(key -> key.equals(GatewaySettings.WEBHOOK_SECRET) ? Optional.of("s")
                : Optional.ofNullable(file.getProperty(key)));
        GatewaySettings fromFallbacks = GatewaySettings.from(key -> key.equals(GatewaySettings.WEBHOOK_SECRET)
                ? Optional.of("s") : Optional.empty());
        // adminBaseUrl is built from the management port in the file ({{camel.management.port}}) and in code alike.
        assertEquals(fromFile.toString().replace("{{camel.management.port}}", "9090"), fromFallbacks.toString());
    }
}
