package com.monogateway.support;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.apache.qpid.jms.message.JmsMessage;
import org.apache.qpid.jms.provider.amqp.message.AmqpJmsMessageFacade;

/**
 * A real AMQP 1.0 broker (ActiveMQ Artemis, embedded) on a free port of 127.0.0.1, in memory. It can be
 * stopped and started again on the same port, to play an ESB that goes away. With a user, it refuses
 * every other login; without, it lets anyone in.
 */
public final class JmsBroker implements AutoCloseable {

    private final int port;
    private final String user;
    private final String password;
    private EmbeddedActiveMQ server;
    /** The broker's sessions that sent a message, since the broker was made. */
    private final Set<String> sendingSessions = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private JmsBroker(int port, String user, String password) {
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /** A started broker on a free port that lets anyone in. */
    public static JmsBroker onFreePort() {
        return onFreePort(null, null);
    }

    /** A started broker on a free port that lets only {@code user} with {@code password} in. */
    public static JmsBroker onFreePort(String user, String password) {
        JmsBroker broker = new JmsBroker(RunningGateway.freePort(), user, password);
        broker.start();
        return broker;
    }

    /** The URL the gateway is given: plain AMQP, no options. */
    public String url() {
        return "amqp://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Starts the broker (again) on its port, empty; nothing when it runs. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            EmbeddedActiveMQ embedded = new EmbeddedActiveMQ().setConfiguration(configuration());
            if (user != null) {
                embedded.setSecurityManager(new OneUser(user, password));
            }
            server = embedded.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test broker on port " + port, e);
        }
    }

    /** Stops the broker: its connections drop and its port refuses connections until {@link #start()}. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the test broker", e);
        } finally {
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    private Configuration configuration() throws Exception {
        ConfigurationImpl config = new ConfigurationImpl();
        config.setName("test-broker-" + port);
        config.setPersistenceEnabled(false);
        config.setSecurityEnabled(user != null);
        config.setJMXManagementEnabled(false);
        // Its disk-usage guard would block senders on a full CI disk, which is not what a test is about.
        config.setMaxDiskUsage(-1);
        config.registerBrokerPlugin(new ActiveMQServerMessagePlugin() {
            @Override
            public void beforeSend(ServerSession session, Transaction tx, org.apache.activemq.artemis.api.core.Message message,
                    boolean direct, boolean noAutoCreateQueue) {
                sendingSessions.add(session.getName());
            }
        });
        config.addAcceptorConfiguration("amqp", "tcp://127.0.0.1:" + port + "?protocols=AMQP");
        if (user != null) {
            Role everything = new Role("user", true, true, true, true, true, true, true, true, true, true, true, true);
            config.putSecurityRoles("#", Set.of(everything));
        }
        return config;
    }

    /**
     * How many of the broker's sessions sent messages. A client that reuses idle sessions (the gateway's cache)
     * opens another only while all it has are sending: this is how many sends it had in flight at its busiest.
     */
    public int sendingSessions() {
        return sendingSessions.size();
    }

    /** A message as the ESB's consumer sees it. */
    public record Received(String text, byte[] bytes, String correlationId, Map<String, String> properties, String contentType) {

        /** The body as text, whether it came as a TextMessage or a BytesMessage. */
        public String body() {
            return text != null ? text : new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /**
     * Takes up to {@code count} messages from {@code queue}, waiting at most {@code timeout} for all of
     * them; answers those that came (fewer when the time ran out).
     */
    public List<Received> receive(String queue, int count, Duration timeout) {
        JmsConnectionFactory factory = user == null ? new JmsConnectionFactory(url()) : new JmsConnectionFactory(user, password, url());
        List<Received> received = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection connection = factory.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue(queue));
            while (received.size() < count) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                if (System.nanoTime() >= deadline) {
                    break;
                }
                Message message = consumer.receive(left);
                if (message != null) {
                    received.add(toReceived(message));
                }
            }
        } catch (JMSException e) {
            throw new IllegalStateException("cannot receive from " + queue, e);
        }
        return received;
    }

    private static Received toReceived(Message message) throws JMSException {
        Map<String, String> properties = new LinkedHashMap<>();
        for (Object name : Collections.list(message.getPropertyNames())) {
            properties.put(name.toString(), String.valueOf(message.getObjectProperty(name.toString())));
        }
        String text = null;
        byte[] bytes = null;
        if (message instanceof TextMessage textMessage) {
            text = textMessage.getText();
        } else if (message instanceof BytesMessage bytesMessage) {
            bytes = new byte[(int) bytesMessage.getBodyLength()];
            bytesMessage.readBytes(bytes);
        } else {
            throw new IllegalStateException("unexpected message type " + message.getClass().getName());
        }
        Object contentType = message instanceof JmsMessage qpid && qpid.getFacade() instanceof AmqpJmsMessageFacade amqp
                ? amqp.getContentType() : null;
        return new Received(text, bytes, message.getJMSCorrelationID(), properties, contentType == null ? null : contentType.toString());
    }

    /** Lets in one user, with every right. */
    private record OneUser(String user, String password) implements ActiveMQSecurityManager {

        @Override
        public boolean validateUser(String u, String p) {
            return user.equals(u) && password.equals(p);
        }

        @Override
        public boolean validateUserAndRole(String u, String p, Set<Role> roles, CheckType checkType) {
            return validateUser(u, p);
        }
    }
}
