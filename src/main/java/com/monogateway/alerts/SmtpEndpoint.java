package com.monogateway.alerts;

import com.monogateway.config.GatewaySettings;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.component.mail.MailConfiguration;
import org.apache.camel.component.mail.MailEndpoint;

/**
 * The camel-mail endpoint that alert emails go through, configured in code rather than by a URI: the
 * password never becomes part of a string that is parsed (a {@code )} or {@code &} in it broke the
 * URI) or logged, and the Jakarta Mail properties are exactly these (Camel's defaults start from a
 * copy of every system property and leave STARTTLS opportunistic).
 */
final class SmtpEndpoint {

    private static final String TIMEOUT_MS = "10000";

    private SmtpEndpoint() {
    }

    /** Registers the endpoint with the context (so Camel starts and stops it) and answers it. */
    static MailEndpoint create(CamelContext context, GatewaySettings.Smtp smtp, GatewaySettings.Alerts alerts) throws Exception {
        String protocol = protocol(smtp);
        MailConfiguration config = new MailConfiguration(context);
        config.configureProtocol(protocol);
        config.setHost(smtp.host().orElseThrow());
        config.setPort(smtp.port());
        config.setJavaMailProperties(javaMailProperties(smtp));
        if (!smtp.username().isEmpty()) {
            config.setUsername(smtp.username());
            config.setPassword(smtp.password());
        }
        config.setFrom(alerts.from());
        config.setTo(String.join(",", alerts.to())); // after the username, which would otherwise become the default recipient
        config.setContentType("text/plain; charset=UTF-8");
        // The alert's own Subject header (one line, see AlertComposer); sender and recipients only from here, never
        // from headers (Camel 4.22 leaves all three off for a configuration made in code).
        config.setUseHeaderSubject(true);
        config.setUseHeaderFrom(false);
        config.setUseHeaderRecipients(false);
        // Only the host and port: this URI shows in route listings and logs.
        String uri = protocol + "://" + smtp.host().get() + ":" + smtp.port();
        MailEndpoint endpoint = new MailEndpoint(uri, context.getComponent(protocol, MailComponent.class), config);
        context.addEndpoint(uri, endpoint);
        return endpoint;
    }

    private static String protocol(GatewaySettings.Smtp smtp) {
        return smtp.ssl() ? "smtps" : "smtp";
    }

    /** The complete Jakarta Mail (Angus) session properties for these settings. */
    static Properties javaMailProperties(GatewaySettings.Smtp smtp) {
        String protocol = protocol(smtp);
        String prefix = "mail." + protocol + ".";
        Properties p = new Properties();
        p.setProperty("mail.transport.protocol", protocol);
        p.setProperty(prefix + "host", smtp.host().orElseThrow());
        p.setProperty(prefix + "port", Integer.toString(smtp.port()));
        p.setProperty(prefix + "connectiontimeout", TIMEOUT_MS);
        p.setProperty(prefix + "timeout", TIMEOUT_MS);
        p.setProperty(prefix + "writetimeout", TIMEOUT_MS);
        p.setProperty(prefix + "auth", Boolean.toString(!smtp.username().isEmpty()));
        if (smtp.ssl()) {
            p.setProperty(prefix + "ssl.enable", "true");
        } else {
            // Required, not merely enabled: a server (or a man in the middle) that does not offer STARTTLS
            // gets no login and no mail, instead of both in clear text.
            p.setProperty(prefix + "starttls.enable", Boolean.toString(smtp.starttls()));
            p.setProperty(prefix + "starttls.required", Boolean.toString(smtp.starttls()));
        }
        if (smtp.encrypted()) {
            p.setProperty(prefix + "ssl.checkserveridentity", "true");
            if (!smtp.trustedCertificates().isEmpty()) {
                // Used for SMTPS and for the STARTTLS upgrade alike; an object, not a class name.
                p.put(prefix + "ssl.socketFactory", trusting(smtp.trustedCertificates()));
            }
        }
        return p;
    }

    /** TLS that trusts these certificates (a private CA, or the server's own) and nothing else. */
    private static SSLSocketFactory trusting(List<X509Certificate> certificates) {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                trusted.setCertificateEntry("mono-smtp-ca-" + i, certificates.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            return tls.getSocketFactory();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot set up TLS with the certificates of mono.smtp.ca-file", e);
        }
    }
}
