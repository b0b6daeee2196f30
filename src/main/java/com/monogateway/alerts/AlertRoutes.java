package com.monogateway.alerts;

import com.monogateway.config.GatewaySettings;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued alerts once per digest window, by SMTP (camel-mail) or, with no {@code mono.smtp.host},
 * as {@code .eml} files under {@code mono.data.dir/mail}.
 */
public final class AlertRoutes extends RouteBuilder {

    /** One composed alert email (header Subject, text body) goes through here. */
    public static final String MAIL = "direct:mono-alert-mail";

    private static final Logger LOG = LoggerFactory.getLogger(AlertRoutes.class);
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

    private final AlertSender sender;
    private final GatewaySettings.Alerts alerts;
    private final GatewaySettings.Smtp smtp;
    private final Path mailDir;
    private final AtomicLong fileCounter = new AtomicLong();

    public AlertRoutes(AlertSender sender, GatewaySettings settings) {
        this.sender = sender;
        this.alerts = settings.alerts();
        this.smtp = settings.smtp();
        this.mailDir = settings.dataDir().resolve("mail").toAbsolutePath().normalize();
    }

    @Override
    public void configure() throws Exception {
        from("timer:mono-alert-sender?delay=" + alerts.digestWindowMs() + "&period=" + alerts.digestWindowMs())
                .routeId("mono-alert-sender")
                .process(exchange -> sender.sendPending());

        if (smtp.host().isPresent()) {
            String uri = smtpUri();
            LOG.info("Alerts go by email to {} via SMTP {}:{}{}", String.join(", ", alerts.to()), smtp.host().get(), smtp.port(),
                    smtp.username().isEmpty() ? "" : " as " + smtp.username());
            from(MAIL).routeId("mono-alert-mail").to(uri);
        } else {
            Files.createDirectories(mailDir);
            LOG.info("No mono.smtp.host set: alerts for {} are written as .eml files under {}", String.join(", ", alerts.to()), mailDir);
            from(MAIL).routeId("mono-alert-mail").process(this::writeEml);
        }
    }

    private String smtpUri() {
        String scheme = smtp.port() == 465 ? "smtps" : "smtp";
        StringBuilder uri = new StringBuilder(scheme + "://" + smtp.host().get() + ":" + smtp.port())
                .append("?from=RAW(").append(alerts.from()).append(")")
                .append("&to=RAW(").append(String.join(",", alerts.to())).append(")")
                .append("&contentType=RAW(text/plain; charset=UTF-8)")
                .append("&connectionTimeout=10000")
                .append("&mail.smtp.timeout=10000&mail.smtp.writetimeout=10000")
                .append("&mail.smtp.starttls.enable=").append(smtp.starttls());
        if (!smtp.username().isEmpty()) {
            uri.append("&username=RAW(").append(smtp.username()).append(")");
            uri.append("&password=RAW(").append(smtp.password()).append(")");
        }
        return uri.toString();
    }

    private void writeEml(Exchange exchange) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress(alerts.from()));
        message.setRecipients(Message.RecipientType.TO, InternetAddress.parse(String.join(",", alerts.to())));
        message.setSubject(exchange.getIn().getHeader("Subject", String.class), "UTF-8");
        message.setText(exchange.getIn().getBody(String.class), "UTF-8");
        message.setSentDate(new Date());
        message.saveChanges();
        Path file = mailDir.resolve(LocalDateTime.now().format(FILE_TIME) + "-" + fileCounter.incrementAndGet() + ".eml");
        try (OutputStream out = Files.newOutputStream(file)) {
            message.writeTo(out);
        }
        LOG.info("Alert email written to {}", file);
    }
}
