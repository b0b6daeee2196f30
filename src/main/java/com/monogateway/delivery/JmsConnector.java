package com.monogateway.delivery;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jakarta.jms.ConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.component.jms.JmsMessageType;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.apache.qpid.jms.message.JmsMessage;
import org.apache.qpid.jms.provider.amqp.message.AmqpJmsMessageFacade;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.jms.provider.Provider;
import org.apache.qpid.jms.provider.ProviderFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * The JMS connection to the ESB's broker: AMQP 1.0 through Qpid JMS, which reaches ActiveMQ Artemis and
 * Classic, RabbitMQ 4 and Azure Service Bus. Bound in Camel's registry, so {@code amqp:} and {@code jms:}
 * endpoints both pick it up.
 *
 * <p>Qpid waits for ever for a send by default, 60 s for a TCP connection, and with failover for ever
 * for a first connection; the bounds below are applied unless the URL sets its own, so that a broker
 * that is down, unreachable or silent makes a send fail within seconds, with the reason, instead of
 * holding a delivery thread.
 */
public final class JmsConnector {

    /** Registry name of the connection factory. */
    public static final String CONNECTION_FACTORY = "monoJmsConnectionFactory";

    /** TCP connect (transport.connectTimeout; Qpid's default is 60 s). */
    public static final int TCP_CONNECT_TIMEOUT_MS = 5_000;
    /** AMQP open and SASL login after the TCP connect (jms.connectTimeout; Qpid's default is 15 s). */
    public static final long CONNECT_TIMEOUT_MS = 5_000;
    /** Creating a session or producer (jms.requestTimeout; Qpid's default is no limit). */
    public static final long REQUEST_TIMEOUT_MS = 5_000;
    /** The broker's acknowledgement of a persistent send (jms.sendTimeout; Qpid's default is no limit). */
    public static final long SEND_TIMEOUT_MS = 10_000;
    /** Closing a connection to a broker that no longer answers (jms.closeTimeout; Qpid's default is 60 s). */
    public static final long CLOSE_TIMEOUT_MS = 5_000;

    private static final Symbol JSON = Symbol.valueOf("application/json");
    private static final Pattern OPTION_NAME = Pattern.compile("[?&]([^=&?()]+)=");
    private static final String FAILOVER_NESTED = "failover.nested.";
    private static final List<String> PASSWORD_OPTIONS = List.of("jms.password", "transport.keyStorePassword",
            "transport.trustStorePassword");

    /** An option's value in Qpid's messages ("Unused parameters=[{name=value}]"). */
    private static final Pattern OPTION_VALUE = Pattern.compile("([\\w.-]+=)[^,&\\[\\]{}\\s]+");

    private JmsConnector() {
    }

    /**
     * Checks a broker URL as far as it can be without connecting: syntax, scheme and every
     * {@code jms.}, {@code transport.}, {@code amqp.} and {@code failover.} option, so that a typo
     * stops the start instead of the first delivery.
     *
     * @throws IllegalArgumentException saying what is wrong, without the URL's secrets
     */
    public static void check(String url) {
        URI uri = withDefaults(url);
        refuseUnknownPasswordOptions(url);
        try {
            new JmsConnectionFactory(uri);
            Provider provider = ProviderFactory.create(uri);
            provider.close();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(withoutSecrets(e.getMessage()), null);
        } catch (Exception e) {
            // Qpid answers an unknown scheme with an IOException naming the scheme.
            throw new IllegalArgumentException(withoutSecrets(e.getMessage()), null);
        }
    }

    /**
     * Qpid logs an option it cannot use with its value, before this class can mask it: a misspelt
     * password option is refused here first, so that its value reaches no log.
     */
    private static void refuseUnknownPasswordOptions(String url) {
        Matcher option = OPTION_NAME.matcher(url);
        while (option.find()) {
            String name = option.group(1);
            String lower = name.toLowerCase(Locale.ROOT);
            String bare = name.startsWith(FAILOVER_NESTED) ? name.substring(FAILOVER_NESTED.length()) : name;
            if ((lower.contains("pas") || lower.contains("pwd")) && !PASSWORD_OPTIONS.contains(bare)) {
                throw new IllegalArgumentException("unknown option " + name + " (its value is not shown); the password options"
                        + " of Qpid JMS are " + String.join(", ", PASSWORD_OPTIONS), null);
            }
        }
    }

    /** A Qpid connection factory for {@code url}, with the default timeouts wherever the URL sets none. */
    public static JmsConnectionFactory connectionFactory(String url, Optional<String> username, Optional<String> password) {
        JmsConnectionFactory factory = new JmsConnectionFactory();
        factory.setConnectTimeout(CONNECT_TIMEOUT_MS);
        factory.setRequestTimeout(REQUEST_TIMEOUT_MS);
        factory.setSendTimeout(SEND_TIMEOUT_MS);
        factory.setCloseTimeout(CLOSE_TIMEOUT_MS);
        // After the defaults: the URL's own jms.* options override them.
        factory.setRemoteURI(withDefaults(url).toString());
        username.ifPresent(factory::setUsername);
        password.ifPresent(factory::setPassword);
        return factory;
    }

    /**
     * Binds the connection factory for {@code url} in {@code context}'s registry, behind one shared
     * connection whose sessions and producers are reused (a new AMQP connection per message costs a TCP
     * and SASL round trip each). The shared connection is dropped when the broker closes it and opened
     * again by the next send; it is closed when Camel stops.
     */
    public static ConnectionFactory install(CamelContext context, String url, Optional<String> username, Optional<String> password,
            int concurrentSenders) {
        CachingConnectionFactory shared = new CachingConnectionFactory(connectionFactory(url, username, password));
        // One session (and producer) per concurrent sender: the senders of every JMS destination share the connection.
        shared.setSessionCacheSize(Math.max(1, concurrentSenders));
        shared.setCacheConsumers(false);
        shared.setReconnectOnException(true);
        context.getRegistry().bind(CONNECTION_FACTORY, ConnectionFactory.class, shared);
        // amqp: is camel-jms on this connection (camel-amqp, the same over Qpid JMS, is not served at Camel 4.22.0).
        for (String scheme : List.of("amqp", "jms")) {
            if (context.hasComponent(scheme) == null) {
                context.addComponent(scheme, component(shared));
            }
        }
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    shared.destroy();
                }
            }, true, false);
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the JMS connection for shutdown", e);
        }
        return shared;
    }

    /**
     * camel-jms on the shared connection, sending the event's bytes as Mono sent them in an AMQP data section
     * typed {@code application/json}: what RabbitMQ, Service Bus and any AMQP 1.0 consumer read as JSON (Qpid
     * JMS would send a text message as an untyped AMQP value, and Camel's {@code Content-Type} header as a
     * {@code Content_HYPHEN_Type} property). A JMS consumer gets a BytesMessage; {@code jmsMessageType=Text}
     * in a destination's URI sends a TextMessage instead, without the content type.
     */
    private static JmsComponent component(ConnectionFactory shared) {
        JmsComponent component = new JmsComponent();
        component.setConnectionFactory(shared);
        component.getConfiguration().setJmsMessageType(JmsMessageType.Bytes);
        component.getConfiguration().setMessageCreatedStrategy(JmsConnector::typedAsJson);
        return component;
    }

    private static void typedAsJson(jakarta.jms.Message message, jakarta.jms.Session session, Exchange exchange, Throwable cause) {
        if (message instanceof jakarta.jms.BytesMessage && message instanceof JmsMessage qpid
                && qpid.getFacade() instanceof AmqpJmsMessageFacade amqp) {
            amqp.setContentType(JSON);
        }
    }

    /**
     * {@code url} with the bounds Qpid lacks by default, where the URL sets none: {@code
     * transport.connectTimeout}, for a {@code failover:(...)} URL as {@code
     * failover.nested.transport.connectTimeout} (applied to every broker of the list); and for failover
     * {@code failover.startupMaxReconnectAttempts=1}, since without it creating the first connection
     * retries for ever while every broker is down, and no Qpid timeout covers that wait. Each broker
     * of the list is still tried once per connection; retrying later is the sender's business.
     */
    static URI withDefaults(String url) {
        String result = url.trim();
        boolean failover = result.toLowerCase(Locale.ROOT).startsWith("failover:");
        if (!result.contains("transport.connectTimeout=")) {
            result = withOption(result, failover, (failover ? "failover.nested." : "") + "transport.connectTimeout=" + TCP_CONNECT_TIMEOUT_MS);
        }
        if (failover && !result.contains("failover.startupMaxReconnectAttempts=") && !result.contains("failover.maxReconnectAttempts=")) {
            result = withOption(result, true, "failover.startupMaxReconnectAttempts=1");
        }
        try {
            return new URI(result);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: " + withoutSecrets(e.getReason()), null);
        }
    }

    /** {@code url} with one more option in its own query (for a composite URL, the one after its parentheses). */
    private static String withOption(String url, boolean composite, String option) {
        String query = composite ? afterComposite(url) : queryOf(url);
        return url + (query.isEmpty() && !url.endsWith("?") ? "?" : "&") + option;
    }

    private static String queryOf(String url) {
        int q = url.indexOf('?');
        return q < 0 ? "" : url.substring(q + 1);
    }

    /** The options of a composite URL: those after its closing parenthesis. */
    private static String afterComposite(String url) {
        int close = url.lastIndexOf(')');
        return queryOf(close < 0 ? url : url.substring(close + 1));
    }

    /**
     * Qpid's messages quote the options it could not use with their values, and a misspelt password
     * option would show the password: the names are kept, every value is masked.
     */
    static String withoutSecrets(String message) {
        return message == null ? "" : OPTION_VALUE.matcher(message).replaceAll("$1******");
    }
}
