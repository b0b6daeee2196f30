package com.monogateway.config;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The gateway's own keys ({@code mono.*}): those of the application.properties packed in the jar, plus
 * each destination's keys. A key under {@code mono.} that is none of them, in a file or as a
 * {@code MONO_*} environment variable, is a typo that would otherwise be silently ignored: the start
 * stops and names the closest known key.
 */
public final class KnownKeys {

    /** Each destination's keys: mono.forward.&lt;name&gt;.uri and those application.properties lists for &lt;name&gt;. */
    private static final String DESTINATION = "mono.forward.<name>.";

    /** Names the profile (camel.main.profile) whose application-&lt;profile&gt;.properties goes over the base file. */
    public static final String PROFILE_ENV = "MONO_PROFILE";

    private final Set<String> keys;
    private final Pattern destinationKey;
    private final Pattern destinationEnv;

    KnownKeys(Set<String> keys) {
        this.keys = keys;
        Set<String> suffixes = new TreeSet<>(Set.of("uri"));
        keys.stream().filter(k -> k.startsWith(DESTINATION)).forEach(k -> suffixes.add(k.substring(DESTINATION.length())));
        this.destinationKey = Pattern.compile("mono\\.forward\\.[a-z0-9][a-z0-9-]*\\.(" + String.join("|", suffixes) + ")");
        this.destinationEnv = Pattern.compile("MONO_FORWARD_[A-Z0-9][A-Z0-9_]*_(" + String.join("|",
                suffixes.stream().map(x -> x.toUpperCase(java.util.Locale.ROOT).replace('-', '_')).toList()) + ")");
    }

    /** The keys of the application.properties packed in the jar (the one that lists every key). */
    public static KnownKeys packaged() {
        Properties packed = PackagedDefaults.file();
        Set<String> mono = new TreeSet<>();
        packed.stringPropertyNames().stream().filter(k -> k.startsWith("mono.")).forEach(mono::add);
        return new KnownKeys(mono);
    }

    /** Throws, naming the closest known key, for the first unknown {@code mono.} key or {@code MONO_} variable. */
    /** Keys of earlier versions, with what replaced them: a file written for one must not be half-obeyed. */
    private static final String NO_BURST_RULE = "processing no longer waits during bursts; while webhooks arrive it runs"
            + " mono.processing.workers-under-load batches at a time (remove the key)";
    private static final Map<String, String> RETIRED = Map.of(
            "mono.processing.burst-rate", NO_BURST_RULE,
            "mono.processing.burst-max-delay", NO_BURST_RULE);

    public void requireKnown(Set<String> keysGiven, Map<String, String> environment) {
        for (Map.Entry<String, String> retired : RETIRED.entrySet()) {
            if (keysGiven.contains(retired.getKey()) || environment.containsKey(GatewaySettings.envName(retired.getKey()))) {
                throw new SettingsException(retired.getKey() + " is no longer a setting of the gateway: " + retired.getValue());
            }
        }
        for (String key : new TreeSet<>(keysGiven)) {
            if (key.startsWith("mono.") && !keys.contains(key) && !destinationKey.matcher(key).matches()) {
                throw new SettingsException(key + " is not a setting of the gateway; did you mean " + closest(key, false) + "?");
            }
        }
        for (String name : new TreeSet<>(environment.keySet())) {
            if (name.startsWith("MONO_") && !name.equals(PROFILE_ENV) && keys.stream().noneMatch(k -> GatewaySettings.envName(k).equals(name))
                    && !destinationEnv.matcher(name).matches()) {
                throw new SettingsException("environment variable " + name + " is not a setting of the gateway; did you mean "
                        + closest(name, true) + "?");
            }
        }
    }

    private String closest(String given, boolean asEnvironmentVariable) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String key : keys) {
            String candidate = asEnvironmentVariable ? GatewaySettings.envName(key) : key;
            int distance = distance(given, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
