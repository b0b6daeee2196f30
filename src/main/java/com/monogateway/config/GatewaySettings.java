package com.monogateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.function.Function;

/**
 * The gateway's own settings (the {@code mono.*} keys), read once at start through Camel's property
 * placeholders so that environment variables override {@code application.properties}. A key not given has
 * the default of the application.properties packed in the jar, the only place defaults are written. Every
 * value is checked here so that a wrong one stops the start with a message naming its key.
 */
public record GatewaySettings(
        String webhookPath,
        List<String> webhookSecrets,
        int maxBodyBytes,
        Optional<String> dbUrl,
        String dbUsername,
        String dbPassword,
        int dbPoolSize,
        int dbConnectionTimeoutMs,
        long dbStartupWaitMs,
        Path dataDir,
        int embeddedDbPort,
        int ingestWriters,
        int ingestMaxBatch,
        int processingWorkers,
        int sweepIntervalMs,
        int processingBatchSize,
        int processingWorkersUnderLoad,
        long processingLagTargetMs,
        boolean liveOnly,
        List<Destination> destinations,
        Jms jms,
        Redelivery redelivery,
        List<String> adminTokens,
        String adminBaseUrl,
        long adminSessionTimeoutMs,
        List<String> adminTrustedProxies,
        HttpEdge http,
        Alerts alerts,
        Smtp smtp,
        Operations operations,
        MonoApi monoApi,
        long retentionMs,
        long retentionIntervalMs) {

    /** What the gateway does with Mono's REST API (mono.api.*, mono.verify.*, mono.accounts.*, mono.reconcile.*). */
    public record MonoApi(String baseUrl, Optional<String> secretKey, long connectTimeoutMs, long readTimeoutMs,
            int maxRequestsPerSecond, long initialBackoffMs, long maxBackoffMs, int breakerFailures, long breakerOpenForMs,
            VerifyMode verifyPayments, boolean maskIdentity, long reconcileAfterMs, long reconcileMaxAgeMs, long sweepIntervalMs,
            int sweepDays) {

        /** Without a secret key nothing calls Mono's API. */
        public boolean enabled() {
            return secretKey.isPresent();
        }

        /** The verification mode in force: off without a key. */
        public VerifyMode verification() {
            return enabled() ? verifyPayments : VerifyMode.OFF;
        }
    }

    /** mono.verify.payments: off, record (verify and alert), required (deliveries wait for verification). */
    public enum VerifyMode { OFF, RECORD, REQUIRED }

    /**
     * The webhook port's HTTP server: where it listens, how long a client may take, and its Vert.x worker threads
     * (each webhook waits on one until its group commit).
     */
    public record HttpEdge(String host, long requestTimeoutMs, long idleTimeoutMs, int workerThreads) {
    }

    /** Ports, log format and shutdown, for the start summary and the lifecycle. */
    public record Operations(int httpPort, boolean managementEnabled, String managementHost, int managementPort, String logFormat,
            long shutdownTimeoutMs) {
    }

    /**
     * Where applied events are delivered (the ESB): a Camel endpoint URI, the event types it takes (globs;
     * empty: all), and how long and how often a failing delivery is retried.
     */
    /**
     * @param maxInFlight  deliveries sent at the same time (to different objects; one object's go one at a time)
     * @param maxPerSecond most deliveries a second (0: no cap)
     */
    public record Destination(String name, String uri, List<String> eventGlobs, long maxAgeMs, long initialBackoffMs,
            long maxBackoffMs, long leaseMs, int maxInFlight, int maxPerSecond) {

        /** Does this destination take events of this type? */
        public boolean takes(String eventType) {
            if (eventGlobs.isEmpty()) {
                return true;
            }
            for (String glob : eventGlobs) {
                if (globMatches(glob, eventType)) {
                    return true;
                }
            }
            return false;
        }

        /** {@code *} stands for any run of characters (dots included); everything else is literal. */
        static boolean globMatches(String glob, String text) {
            String[] parts = glob.split("\\*", -1);
            if (parts.length == 1) {
                return glob.equals(text);
            }
            if (!text.startsWith(parts[0])) {
                return false;
            }
            int at = parts[0].length();
            for (int i = 1; i < parts.length - 1; i++) {
                int found = text.indexOf(parts[i], at);
                if (found < 0) {
                    return false;
                }
                at = found + parts[i].length();
            }
            String last = parts[parts.length - 1];
            return text.length() - at >= last.length() && text.endsWith(last);
        }
    }

    /**
     * The ESB's JMS broker, reached over AMQP 1.0 (mono.jms.*); no URL: no JMS connection. The
     * username and password are given both or neither.
     */
    public record Jms(Optional<String> url, Optional<String> username, Optional<String> password) {
    }

    /** Camel Dead Letter Channel settings for event processing. */
    public record Redelivery(int maxAttempts, long initialDelayMs, double backoffMultiplier, long maxDelayMs) {
    }

    /** Who gets alert emails, for which events, and how bursts are folded into digests. */
    public record Alerts(boolean enabled, List<String> to, String from, Set<String> events, long digestWindowMs,
            int digestThreshold, int digestMaxEntries, Path templatesDir) {
    }

    /**
     * The SMTP server; with no host, alerts are written as .eml files under mono.data.dir/mail. With
     * {@code ssl} the connection is TLS from the start (SMTPS); else with {@code starttls} it must be
     * upgraded by STARTTLS before anything else is said; with neither it is plain SMTP. The server's
     * certificate must match the host, and chain to {@code trustedCertificates} (mono.smtp.ca-file) or,
     * when there are none, to the JVM's trust store.
     */
    public record Smtp(Optional<String> host, int port, String username, String password, boolean starttls, boolean ssl,
            List<X509Certificate> trustedCertificates) {

        public boolean encrypted() {
            return ssl || starttls;
        }

        /** How the connection is protected, for the logs. */
        public String security() {
            return ssl ? "implicit TLS" : starttls ? "STARTTLS required" : "unencrypted";
        }
    }

    public static final String WEBHOOK_SECRET = "mono.webhook.secret";
    public static final String ADMIN_TOKEN = "mono.admin.token";
    /** Admin tokens guard replay and discard: long enough that guessing is hopeless even without the throttle. */
    public static final int MIN_ADMIN_TOKEN_LENGTH = 32;
    /** Below this a webhook secret is weak; the start summary warns (Mono's dashboard generates longer ones). */
    public static final int WEAK_WEBHOOK_SECRET_LENGTH = 16;

    /**
     * Reads and validates every key; {@code lookup} answers a key's raw value, or empty when unset (then the
     * packed application.properties gives it).
     */
    public static GatewaySettings from(Function<String, Optional<String>> lookup) {
        Reader r = new Reader(lookup);
        String path = r.text("mono.webhook.path");
        if (!path.startsWith("/") || path.contains(" ")) {
            throw new SettingsException("mono.webhook.path must be a URL path starting with '/', but is '" + path + "'");
        }
        List<String> secrets = Arrays.stream(r.text(WEBHOOK_SECRET).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (secrets.isEmpty()) {
            throw new SettingsException("No webhook secret is configured: set " + WEBHOOK_SECRET
                    + " (environment variable MONO_WEBHOOK_SECRET) to the secret shown in the Mono dashboard;"
                    + " during a rotation give old and new, comma-separated. The gateway refuses every request without one.");
        }
        List<String> adminTokens = r.list(ADMIN_TOKEN);
        for (String token : adminTokens) {
            if (token.length() < MIN_ADMIN_TOKEN_LENGTH) {
                throw new SettingsException(ADMIN_TOKEN + " must be at least " + MIN_ADMIN_TOKEN_LENGTH + " characters long (one has "
                        + token.length() + "); generate one with: openssl rand -hex 32");
            }
            if (secrets.contains(token)) {
                throw new SettingsException(ADMIN_TOKEN + " must differ from every " + WEBHOOK_SECRET
                        + ": whoever can post webhooks must not be able to replay or discard them");
            }
        }
        boolean managementEnabled = r.bool("camel.management.enabled");
        if (!adminTokens.isEmpty() && !managementEnabled) {
            throw new SettingsException(ADMIN_TOKEN + " is set but camel.management.enabled is false: the admin API is served on"
                    + " the management port; enable it or clear the token");
        }
        int httpPort = r.port("camel.server.port");
        int managementPort = r.port("camel.management.port");
        if (managementEnabled && httpPort == managementPort && httpPort != 0) {
            throw new SettingsException("camel.management.port must differ from camel.server.port (" + httpPort
                    + "): the webhook port serves the webhook and nothing else");
        }
        return new GatewaySettings(
                path,
                secrets,
                r.positiveInt("mono.webhook.max-body-bytes"),
                r.optional("mono.db.url"),
                r.text("mono.db.username"),
                r.text("mono.db.password"),
                r.positiveInt("mono.db.pool-size"),
                r.intAtLeast("mono.db.connection-timeout-ms", 250),
                r.durationOrZero("mono.db.startup-wait"),
                Path.of(r.text("mono.data.dir")),
                r.port("mono.embedded-db.port"),
                r.positiveInt("mono.ingest.writers"),
                r.positiveInt("mono.ingest.max-batch"),
                r.positiveInt("mono.processing.workers"),
                r.intAtLeast("mono.processing.sweep-interval-ms", 100),
                r.positiveInt("mono.processing.batch-size"),
                r.positiveInt("mono.processing.workers-under-load"),
                r.durationOrZero("mono.processing.lag-target"),
                r.bool("mono.live-only"),
                destinations(r),
                jms(r),
                new Redelivery(
                        r.positiveInt("mono.redelivery.max-attempts"),
                        r.intAtLeast("mono.redelivery.initial-delay-ms", 0),
                        r.decimalAtLeast("mono.redelivery.backoff-multiplier", 1.0),
                        r.intAtLeast("mono.redelivery.max-delay-ms", 0)),
                adminTokens,
                stripTrailingSlash(r.text("mono.admin.base-url")),
                r.duration("mono.admin.session-timeout"),
                trustedProxies(r.list("mono.admin.trusted-proxies")),
                new HttpEdge(
                        r.text("camel.server.host"),
                        r.duration("mono.http.request-timeout"),
                        r.duration("mono.http.idle-timeout"),
                        r.positiveInt("mono.http.worker-threads")),
                new Alerts(
                        r.bool("mono.alerts.enabled"),
                        r.emails("mono.alerts.to"),
                        r.emails("mono.alerts.from").get(0),
                        Set.copyOf(r.list("mono.alerts.events")),
                        r.duration("mono.alerts.digest-window"),
                        r.positiveInt("mono.alerts.digest-threshold"),
                        r.positiveInt("mono.alerts.digest-max-entries"),
                        Path.of(r.text("mono.alerts.templates-dir"))),
                smtp(r),
                new Operations(
                        httpPort,
                        managementEnabled,
                        r.text("camel.management.host"),
                        managementPort,
                        r.oneOf("mono.log.format", "text", "json"),
                        r.duration("mono.shutdown.timeout")),
                monoApi(r),
                r.durationOrZero("mono.retention.events"),
                r.duration("mono.retention.interval"));
    }

    private static MonoApi monoApi(Reader r) {
        String baseUrl = stripTrailingSlash(r.text("mono.api.base-url"));
        if (!baseUrl.matches("https?://[^/?#\\s]+(/[^?#\\s]*)?")) {
            throw new SettingsException("mono.api.base-url must be an http(s) URL such as https://api.withmono.com, but is '"
                    + baseUrl + "'");
        }
        Optional<String> key = r.optional("mono.api.secret-key");
        VerifyMode mode = VerifyMode.valueOf(r.oneOf("mono.verify.payments", "off", "record", "required")
                .toUpperCase(java.util.Locale.ROOT));
        if (mode == VerifyMode.REQUIRED && key.isEmpty()) {
            throw new SettingsException("mono.verify.payments=required needs mono.api.secret-key (environment variable"
                    + " MONO_API_SECRET_KEY): without it no payment can be verified and every payment delivery would wait for good");
        }
        long initial = r.duration("mono.api.initial-backoff");
        long max = r.duration("mono.api.max-backoff");
        if (max < initial) {
            throw new SettingsException("mono.api.max-backoff must not be shorter than mono.api.initial-backoff");
        }
        return new MonoApi(baseUrl, key,
                r.duration("mono.api.connect-timeout"),
                r.duration("mono.api.read-timeout"),
                r.positiveInt("mono.api.max-requests-per-second"),
                initial, max,
                r.positiveInt("mono.api.breaker-failures"),
                r.duration("mono.api.breaker-open-for"),
                mode,
                "masked".equals(r.oneOf("mono.accounts.store-identity", "masked", "none")),
                r.duration("mono.reconcile.after"),
                r.duration("mono.reconcile.max-age"),
                r.durationOrZero("mono.reconcile.sweep-interval"),
                r.positiveInt("mono.reconcile.sweep-days"));
    }

    private static Smtp smtp(Reader r) {
        boolean ssl = r.bool("mono.smtp.ssl");
        return new Smtp(
                r.optional("mono.smtp.host"),
                // Packed empty: 465 with mono.smtp.ssl, else 587 (as application.properties and docs/configuration.md say).
                r.optional("mono.smtp.port").isPresent() ? r.port("mono.smtp.port") : ssl ? 465 : 587,
                r.text("mono.smtp.username"),
                r.text("mono.smtp.password"),
                r.bool("mono.smtp.starttls"),
                ssl,
                r.certificates("mono.smtp.ca-file"));
    }

    private static final java.util.regex.Pattern DURATION_PART = java.util.regex.Pattern.compile("(\\d{1,9})(ms|d|h|m|s)");

    /**
     * Milliseconds of a duration as Camel users write them: {@code 500ms}, {@code 60s}, {@code 1m30s},
     * {@code 2h}, {@code 1d}, ISO-8601 ({@code PT2S}), or a bare number of milliseconds; -1 if it is none of those.
     * Not Camel's {@code TimeUtils.toMilliSeconds}: it answers 0 for {@code 2x}, {@code -1s} and {@code PT2S} (4.22.0),
     * so a typo would silently mean "no wait" instead of stopping the start with the key named.
     */
    static long durationMillis(String raw) {
        String text = raw.trim().toLowerCase(java.util.Locale.ROOT);
        if (text.matches("\\d{1,12}")) {
            return Long.parseLong(text);
        }
        if (text.startsWith("p") || text.startsWith("-p")) {
            try {
                java.time.Duration d = java.time.Duration.parse(text.toUpperCase(java.util.Locale.ROOT));
                return d.isNegative() ? -1 : d.toMillis();
            } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
                return -1;
            }
        }
        var m = DURATION_PART.matcher(text);
        long total = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            long amount = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "d" -> amount * 86_400_000L;
                case "h" -> amount * 3_600_000L;
                case "m" -> amount * 60_000L;
                case "s" -> amount * 1_000L;
                default -> amount;
            };
            at = m.end();
        }
        return at > 0 && at == text.length() ? total : -1;
    }

    /** The legacy single destination's name: mono.forward.uri is delivered as this one. */
    public static final String DEFAULT_DESTINATION = "default";

    private static List<Destination> destinations(Reader r) {
        List<Destination> destinations = new java.util.ArrayList<>();
        List<String> names = r.list("mono.forward.destinations");
        Optional<String> legacy = r.optional("mono.forward.uri");
        if (legacy.isPresent()) {
            if (names.contains(DEFAULT_DESTINATION)) {
                throw new SettingsException("mono.forward.uri is the destination named '" + DEFAULT_DESTINATION
                        + "'; do not also list '" + DEFAULT_DESTINATION + "' in mono.forward.destinations");
            }
            destinations.add(destination(r, DEFAULT_DESTINATION, legacy.get()));
        }
        for (String name : names) {
            if (!name.matches("[a-z0-9][a-z0-9-]{0,39}")) {
                throw new SettingsException("mono.forward.destinations: '" + name + "' is not a destination name (lower-case"
                        + " letters, digits and '-', at most 40 characters)");
            }
            if (destinations.stream().anyMatch(d -> d.name().equals(name))) {
                throw new SettingsException("mono.forward.destinations names '" + name + "' twice");
            }
            String key = "mono.forward." + name + ".uri";
            String uri = r.given(key).orElseThrow(() -> new SettingsException(key + " is required: destination '" + name
                    + "' is listed in mono.forward.destinations (environment variable " + envName(key) + ")"));
            destinations.add(destination(r, name, uri));
        }
        return List.copyOf(destinations);
    }

    private static Destination destination(Reader r, String name, String uri) {
        String prefix = "mono.forward." + name + ".";
        long initial = r.duration(prefix + "initial-backoff");
        long max = r.duration(prefix + "max-backoff");
        if (max < initial) {
            throw new SettingsException(prefix + "max-backoff must not be shorter than " + prefix + "initial-backoff");
        }
        long lease = r.duration(prefix + "lease");
        if (lease < 1_000) {
            throw new SettingsException(prefix + "lease must be at least 1s (it is renewed a few times a lease while a send is"
                    + " in flight)");
        }
        return new Destination(name, uri, r.list(prefix + "events"), r.duration(prefix + "max-age"), initial, max, lease,
                r.positiveInt(prefix + "max-in-flight"), r.intAtLeast(prefix + "max-per-second", 0));
    }

    /** The environment variable that overrides a key: upper case, '.' and '-' as '_'. */
    public static String envName(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static Jms jms(Reader r) {
        Optional<String> url = r.optional("mono.jms.url");
        Optional<String> username = r.optional("mono.jms.username");
        // A password may begin or end with spaces; only an empty one counts as unset.
        Optional<String> password = r.untrimmed("mono.jms.password");
        if (username.isPresent() != password.isPresent()) {
            throw new SettingsException("mono.jms.username and mono.jms.password must be set together (MONO_JMS_USERNAME,"
                    + " MONO_JMS_PASSWORD), but only " + (username.isPresent() ? "the username" : "the password") + " is");
        }
        if (url.isEmpty() && username.isPresent()) {
            throw new SettingsException("mono.jms.username is set but mono.jms.url is empty: set the broker's AMQP URL,"
                    + " such as amqp://broker:5672");
        }
        return new Jms(url, username, password);
    }

    /** IP addresses (never host names: no lookup decides whom to trust), as Java writes them. */
    private static List<String> trustedProxies(List<String> given) {
        List<String> addresses = new java.util.ArrayList<>();
        for (String address : given) {
            if (!address.matches("[0-9a-fA-F:.]+") || !(address.contains(".") || address.contains(":"))) {
                throw new SettingsException("mono.admin.trusted-proxies must list IP addresses, but has '" + address + "'");
            }
            try {
                addresses.add(java.net.InetAddress.getByName(address).getHostAddress());
            } catch (java.net.UnknownHostException e) {
                throw new SettingsException("mono.admin.trusted-proxies must list IP addresses, but has '" + address + "'");
            }
        }
        return List.copyOf(addresses);
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public boolean embeddedDatabase() {
        return dbUrl.isEmpty();
    }

    /**
     * Reads one key at a time and turns a bad value into a message that names the key. A key that
     * {@code lookup} does not give, or gives blank, has the value of the application.properties packed in
     * the jar, the one place where defaults are written ({@link PackagedDefaults}); a key the packed file
     * lacks is a programming error (IllegalStateException). A list given empty stays empty.
     */
    private record Reader(Function<String, Optional<String>> lookup) {

        private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{\\{([^{}]+)}}");

        /** The packed default, its {@code {{key}}} placeholders replaced by those keys' values, as Camel would. */
        private String packed(String key) {
            return PLACEHOLDER.matcher(PackagedDefaults.of(key))
                    .replaceAll(m -> java.util.regex.Matcher.quoteReplacement(text(m.group(1))));
        }

        /** The value, trimmed, or the packed default; empty when both are blank (unset). */
        Optional<String> optional(String key) {
            String packed = packed(key).trim();
            return given(key).or(() -> Optional.of(packed).filter(v -> !v.isEmpty()));
        }

        /** The value of a key without a default (a destination's URI), trimmed; empty when unset or blank. */
        Optional<String> given(String key) {
            return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
        }

        /** The value as given, spaces and all (a password), or the packed default; only an empty one counts as unset. */
        Optional<String> untrimmed(String key) {
            String packed = packed(key);
            return lookup.apply(key).filter(v -> !v.isEmpty()).or(() -> Optional.of(packed).filter(v -> !v.isEmpty()));
        }

        String text(String key) {
            return optional(key).orElse("");
        }

        int positiveInt(String key) {
            return intAtLeast(key, 1);
        }

        int intAtLeast(String key, int min) {
            String raw = text(key);
            try {
                int value = Integer.parseInt(raw);
                if (value < min) {
                    throw new SettingsException(key + " must be at least " + min + ", but is " + value);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new SettingsException(key + " must be a whole number, but is '" + raw + "'");
            }
        }

        int port(String key) {
            int value = intAtLeast(key, 0);
            if (value > 65_535) {
                throw new SettingsException(key + " must be a TCP port (0 to 65535), but is " + value);
            }
            return value;
        }

        double decimalAtLeast(String key, double min) {
            String raw = text(key);
            try {
                double value = Double.parseDouble(raw);
                if (!(value >= min) || Double.isInfinite(value)) {
                    throw new SettingsException(key + " must be a number of at least " + min + ", but is " + raw);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new SettingsException(key + " must be a number, but is '" + raw + "'");
            }
        }

        /** Comma-separated values; the packed default only when the key is not given at all (given empty: none). */
        List<String> list(String key) {
            String packed = packed(key);
            return Arrays.stream(lookup.apply(key).orElse(packed).split(","))
                    .map(String::trim).filter(v -> !v.isEmpty()).toList();
        }

        List<String> emails(String key) {
            List<String> addresses = list(key);
            if (addresses.isEmpty()) {
                throw new SettingsException(key + " needs at least one email address");
            }
            for (String address : addresses) {
                try {
                    new InternetAddress(address, true).validate();
                } catch (AddressException e) {
                    throw new SettingsException(key + " holds an invalid email address: '" + address + "'");
                }
            }
            return addresses;
        }

        /** A duration such as 500ms, 60s, 5m or 1h; a bare number is milliseconds. */
        long duration(String key) {
            return duration(key, false);
        }

        /** A duration as above, or 0 where 0 turns something off. */
        long durationOrZero(String key) {
            return duration(key, true);
        }

        private long duration(String key, boolean zeroAllowed) {
            String raw = text(key);
            long ms = durationMillis(raw);
            if (ms < 0) {
                throw new SettingsException(key + " must be a duration such as 500ms, 60s, 1m30s, 5m, 1h or PT2S (ISO-8601),"
                        + " but is '" + raw + "'");
            }
            if (ms < 100 && !(zeroAllowed && ms == 0)) {
                throw new SettingsException(key + " must be " + (zeroAllowed ? "0 or " : "") + "at least 100ms, but is '" + raw + "'");
            }
            return ms;
        }

        String oneOf(String key, String... allowed) {
            String raw = text(key).toLowerCase();
            if (!Arrays.asList(allowed).contains(raw)) {
                throw new SettingsException(key + " must be one of " + String.join(", ", allowed) + ", but is '" + raw + "'");
            }
            return raw;
        }

        /** The X.509 certificates of a PEM (or DER) file; none when the key is empty. */
        List<X509Certificate> certificates(String key) {
            Optional<String> file = optional(key);
            if (file.isEmpty()) {
                return List.of();
            }
            try (InputStream in = Files.newInputStream(Path.of(file.get()))) {
                List<X509Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                        .map(X509Certificate.class::cast).toList();
                if (certificates.isEmpty()) {
                    throw new SettingsException(key + " must name a PEM file of certificates, but " + file.get() + " holds none");
                }
                return certificates;
            } catch (IOException e) {
                throw new SettingsException(key + " names a file that cannot be read: " + file.get() + " (" + e + ")");
            } catch (CertificateException e) {
                throw new SettingsException(key + " must name a PEM file of certificates, but " + file.get() + " is not one: "
                        + e.getMessage());
            }
        }

        boolean bool(String key) {
            String raw = text(key).toLowerCase();
            return switch (raw) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new SettingsException(key + " must be true or false, but is '" + raw + "'");
            };
        }
    }
}
