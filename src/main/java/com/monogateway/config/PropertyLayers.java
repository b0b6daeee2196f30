package com.monogateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Where each setting comes from, in the order that wins: the packed application.properties (every key and its
 * default), a local application.properties, the profile's application-&lt;profile&gt;.properties, environment
 * variables, then the overrides a test gives. Unknown {@code mono.*} keys stop the start here.
 *
 * @param localProperties whether application.properties is read from the working directory (else the packed one)
 * @param localFile       the local file's keys (empty without one)
 * @param file            the packed file with the local file and the profile's over it
 * @param profileFile     the profile's keys (empty without a profile)
 */
public record PropertyLayers(boolean localProperties, Properties localFile, Properties file, Properties profileFile) {

    /** Reads the files of this directory (or the jar) and checks every key given anywhere is one the gateway knows. */
    public static PropertyLayers read(Properties overrides) {
        boolean localProperties = Files.isRegularFile(Path.of("application.properties"));
        Properties localFile = readProperties(localProperties, "application.properties");
        Properties file = layered(localFile);
        Properties profileFile = profileFile(localProperties, overrides, file);
        file.putAll(profileFile);
        Set<String> given = new java.util.HashSet<>(file.stringPropertyNames());
        overrides.stringPropertyNames().forEach(given::add);
        KnownKeys.packaged().requireKnown(given, System.getenv());
        return new PropertyLayers(localProperties, localFile, file, profileFile);
    }

    /** What goes over the packed file for Camel main: the local file's keys, the profile's, the environment, the overrides. */
    public Properties effective(Properties overrides) {
        Properties effective = new Properties();
        effective.putAll(camelEnvironment(System.getenv(), file));
        if (localProperties) {
            effective.putAll(localFile);
        }
        effective.putAll(profileFile);
        effective.putAll(environmentOverrides(file));
        if (!Files.isDirectory(Path.of("routes"))) {
            // Over the packed application.properties, which names ./routes.
            effective.setProperty("camel.main.routes-include-pattern", "classpath:routes/*.camel.yaml");
            effective.setProperty("camel.main.routes-reload-enabled", "false");
        }
        effective.putAll(overrides);
        return effective;
    }

    /**
     * The settings as the gateway started from this directory would read them, without starting it:
     * application.properties (local or packed), the profile's file over it, then environment variables.
     * For the {@code trigger} command, which posts to the gateway these settings describe.
     */
    public static Properties fileSettings() {
        boolean local = Files.isRegularFile(Path.of("application.properties"));
        Properties settings = layered(readProperties(local, "application.properties"));
        settings.putAll(profileFile(local, new Properties(), settings));
        settings.putAll(environmentOverrides(settings));
        return settings;
    }

    /** Component names in the jar whose options CAMEL_COMPONENT_* variables may set (dashed names as Camel writes them). */
    private static final List<String> COMPONENTS = List.of("platform-http", "http", "https", "kafka", "amqp", "jms", "jdbc",
            "mail", "smtp", "smtps", "seda", "direct", "log", "file", "timer");
    private static final List<String> CAMEL_GROUPS = List.of("server", "management", "main", "metrics", "health");

    /**
     * Camel's own keys from environment variables Camel users write, for keys application.properties does not
     * list (those are {@link #environmentOverrides}): {@code CAMEL_COMPONENT_KAFKA_LINGER_MS} is
     * {@code camel.component.kafka.linger-ms}, {@code CAMEL_SERVER_MAX_BODY_SIZE} {@code camel.server.max-body-size}.
     * Camel main 4.18 applies such variables to keys it finds in the file only.
     */
    static Properties camelEnvironment(java.util.Map<String, String> environment, Properties file) {
        Properties keys = new Properties();
        java.util.Set<String> inFile = new java.util.HashSet<>();
        file.stringPropertyNames().forEach(k -> inFile.add(GatewaySettings.envName(k)));
        for (var variable : environment.entrySet()) {
            String name = variable.getKey();
            if (!name.startsWith("CAMEL_") || inFile.contains(name)) {
                continue;
            }
            String key = null;
            if (name.startsWith("CAMEL_COMPONENT_")) {
                String rest = name.substring("CAMEL_COMPONENT_".length());
                for (String component : COMPONENTS) {
                    String prefix = component.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
                    // platform-http before http: the longer name first (the list's order).
                    if (rest.startsWith(prefix) && rest.length() > prefix.length()) {
                        key = "camel.component." + component + "." + option(rest.substring(prefix.length()));
                        break;
                    }
                }
            } else {
                for (String group : CAMEL_GROUPS) {
                    String prefix = "CAMEL_" + group.toUpperCase(Locale.ROOT) + "_";
                    if (name.startsWith(prefix) && name.length() > prefix.length()) {
                        key = "camel." + group + "." + option(name.substring(prefix.length()));
                        break;
                    }
                }
            }
            if (key != null) {
                keys.setProperty(key, variable.getValue());
            }
        }
        return keys;
    }

    private static String option(String envPart) {
        return envPart.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The packed application.properties (every key and its default) with a local file's keys over it. */
    private static Properties layered(Properties localFile) {
        Properties settings = PackagedDefaults.file();
        settings.putAll(localFile);
        return settings;
    }

    /** {@code name} in the working directory, or the copy packed in the jar; empty when there is none. */
    private static Properties readProperties(boolean localProperties, String name) {
        Properties file = new Properties();
        try (InputStream in = localProperties ? (Files.isRegularFile(Path.of(name)) ? Files.newInputStream(Path.of(name)) : null)
                : PropertyLayers.class.getResourceAsStream("/" + name)) {
            if (in != null) {
                file.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
        return file;
    }

    /** The profile's application-&lt;profile&gt;.properties (empty without a profile); a named profile must have one. */
    private static Properties profileFile(boolean local, Properties overrides, Properties base) {
        Optional<String> profile = profile(overrides, base);
        if (profile.isEmpty()) {
            return new Properties();
        }
        String name = "application-" + profile.get() + ".properties";
        Properties file = readProperties(local, name);
        if (file.isEmpty()) {
            throw new SettingsException("profile '" + profile.get() + "' is set (camel.main.profile, MONO_PROFILE or"
                    + " CAMEL_MAIN_PROFILE) but " + name + " is missing or empty next to application.properties");
        }
        return file;
    }

    /**
     * The profile whose {@code application-<profile>.properties} goes over the base file, as Camel main names
     * it: {@code camel.main.profile} (test overrides, then the environment: MONO_PROFILE, CAMEL_MAIN_PROFILE,
     * then the base file).
     */
    static Optional<String> profile(Properties overrides, Properties file) {
        String profile = overrides.getProperty("camel.main.profile");
        for (String env : new String[] {KnownKeys.PROFILE_ENV, "CAMEL_MAIN_PROFILE"}) {
            if (profile == null || profile.isBlank()) {
                profile = System.getenv(env);
            }
        }
        if (profile == null || profile.isBlank()) {
            profile = file.getProperty("camel.main.profile");
        }
        if (profile == null || profile.isBlank()) {
            return Optional.empty();
        }
        if (!profile.strip().matches("[A-Za-z0-9_-]{1,40}")) {
            throw new SettingsException("camel.main.profile must be a name such as prod or staging (letters, digits, '-', '_'),"
                    + " but is '" + profile + "'");
        }
        return Optional.of(profile.strip());
    }

    /**
     * Every key of application.properties whose environment variable (upper case, '.' and '-' as '_')
     * is set. Camel applies such variables to placeholders, but not to all of its own camel.* options
     * (camel.server.port among them), so they are passed on explicitly.
     */
    private static Properties environmentOverrides(Properties file) {
        Properties fromEnvironment = new Properties();
        for (String key : file.stringPropertyNames()) {
            String value = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            if (value != null) {
                fromEnvironment.setProperty(key, value);
            }
        }
        return fromEnvironment;
    }
}
