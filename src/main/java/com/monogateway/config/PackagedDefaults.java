package com.monogateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application.properties packed in the jar, read once: the one place where every key and its default
 * is written. A destination's own keys ({@code mono.forward.erp.max-age}) take their defaults from the
 * file's {@code mono.forward.<name>.*} keys.
 */
public final class PackagedDefaults {

    private static final Pattern DESTINATION_KEY = Pattern.compile("mono\\.forward\\.[a-z0-9][a-z0-9-]*\\.([a-z-]+)");

    private static final Properties FILE = load();

    private PackagedDefaults() {
    }

    private static Properties load() {
        Properties packed = new Properties();
        try (InputStream in = PackagedDefaults.class.getResourceAsStream("/application.properties")) {
            if (in != null) {
                packed.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the packed application.properties", e);
        }
        return packed;
    }

    /** The packed file's keys and values (a copy). */
    public static Properties file() {
        Properties copy = new Properties();
        copy.putAll(FILE);
        return copy;
    }

    /**
     * The default of a key as the packed file writes it (empty where empty means unset or computed).
     *
     * @throws IllegalStateException for a key the file lacks: code that reads a key must find its default there
     */
    static String of(String key) {
        String value = FILE.getProperty(key);
        Matcher destination = DESTINATION_KEY.matcher(key);
        if (value == null && destination.matches()) {
            value = FILE.getProperty("mono.forward.<name>." + destination.group(1));
        }
        if (value == null) {
            throw new IllegalStateException(key + " has no default in the packed application.properties");
        }
        return value;
    }
}
