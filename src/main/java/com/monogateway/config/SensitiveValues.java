package com.monogateway.config;

import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.EndpointUriFactory;
import org.apache.camel.util.SensitiveUtils;
import org.apache.camel.util.URISupport;

/**
 * What may be shown of a setting or an endpoint URI wherever settings are shown (the start summary, health
 * details, errors, logs). A setting whose name is a secret by Camel's rules ({@link SensitiveUtils}: password,
 * sasl-jaas-config, secret-key, token, ...) or ours shows only that it is set. A URI keeps its scheme and path;
 * of its query only the values of options its component declares and does not mark secret are shown: a
 * parameter Camel does not know (an HTTP destination's {@code &sig=...}) may be anything, so its value is masked.
 */
public final class SensitiveValues {

    public static final String MASK = "xxxxxx";

    /** Names Camel's list leaves out that carry secrets in the URIs and settings people write for the gateway. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "secret|passw|pwd|token|passphrase|credential|jaas|signature|private|(^|[._-])(sig|key|apikey|auth|code)$",
            Pattern.CASE_INSENSITIVE);
    /** Registered with Camel so that its own log lines mask these query parameters too. */
    private static final String CAMEL_EXTRA_KEYWORDS = "sig,signature,apikey,api-key,api_key,key,auth,code,jaas";

    private SensitiveValues() {
    }

    /** Once at start: Camel's own URI sanitizer (used in its log lines and errors) masks our extra names too. */
    public static void registerWithCamel() {
        URISupport.addSanitizeKeywords(CAMEL_EXTRA_KEYWORDS);
    }

    /** True when a setting or option of this name holds a secret. */
    public static boolean isSecretName(String name) {
        return SensitiveUtils.containsSensitive(name) || SECRET_NAME.matcher(name).find();
    }

    /** A setting's value as it may be shown: secrets only as set or empty, URLs and URIs without their secrets. */
    public static String setting(String key, String value, CamelContext context) {
        if (isSecretName(key)) {
            return value.isEmpty() ? "(empty)" : "****** (set)";
        }
        if (key.endsWith(".uri")) {
            return uri(value, context);
        }
        if (value.contains("://") || key.endsWith(".url")) {
            return url(value);
        }
        return value;
    }

    /** A URL (JDBC, AMQP, HTTP) whose driver or server may take credentials anywhere in its query: the query is left out. */
    public static String url(String value) {
        String shown = SensitiveUtils.maskUserInfoCredentials(value, MASK);
        int query = shown.indexOf('?');
        return query < 0 ? shown : shown.substring(0, query) + "?...";
    }

    /**
     * A Camel endpoint URI: user-info passwords masked, and each query value shown only when the option is one
     * the component declares and not a secret one; with no context, every query value is masked.
     */
    public static String uri(String uri, CamelContext context) {
        int colon = uri.indexOf(':');
        EndpointUriFactory factory = context == null || colon < 1 ? null
                : context.getCamelContextExtension().getEndpointUriFactory(uri.substring(0, colon).toLowerCase(Locale.ROOT));
        Set<String> known = factory == null ? Set.of() : factory.propertyNames();
        Set<String> secret = factory == null ? Set.of() : factory.secretPropertyNames();
        return maskQuery(uri, name -> known.contains(name) && !secret.contains(name) && !isSecretName(name));
    }

    /** Query parameters inside free text (an error message naming a URL). */
    private static final Pattern PARAMETER_IN_TEXT = Pattern.compile("([?&])([^=&?\\s]+)=([^&\\s]*)");

    /**
     * Free text that may quote a URL (an exception's message): user-info passwords and the values of
     * secret-named query parameters masked.
     */
    public static String inText(String text) {
        if (text == null) {
            return null;
        }
        String masked = SensitiveUtils.maskUserInfoCredentials(text, MASK);
        return PARAMETER_IN_TEXT.matcher(masked).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(1) + m.group(2) + "=" + (isSecretName(m.group(2)) ? MASK : m.group(3))));
    }

    static String maskQuery(String uri, Function<String, Boolean> shown) {
        String base = SensitiveUtils.maskUserInfoCredentials(uri, MASK);
        int query = base.indexOf('?');
        if (query < 0) {
            return base;
        }
        StringBuilder out = new StringBuilder(base.substring(0, query + 1));
        String[] parameters = base.substring(query + 1).split("&", -1);
        for (int i = 0; i < parameters.length; i++) {
            String parameter = parameters[i];
            int eq = parameter.indexOf('=');
            String name = eq < 0 ? parameter : parameter.substring(0, eq);
            out.append(i == 0 ? "" : "&").append(name);
            if (eq >= 0) {
                out.append('=').append(shown.apply(name) ? parameter.substring(eq + 1) : MASK);
            }
        }
        return out.toString();
    }
}
