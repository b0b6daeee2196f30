package com.monogateway.alerts;

import com.monogateway.config.GatewaySettings;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.builder.endpoint.EndpointRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued alerts once per digest window, by SMTP (camel-mail, see {@link SmtpEndpoint}) or, with no
 * {@code mono.smtp.host}, as {@code .eml} files under {@code mono.data.dir/mail}, readable by the gateway's user only.
 */
public final class AlertRoutes extends EndpointRouteBuilder {

    /** One composed alert email (header Subject, text body) goes through here. */
    public static final String MAIL = "direct:mono-alert-mail";

    private static final Logger LOG = LoggerFactory.getLogger(AlertRoutes.class);
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");
    private static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

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
        from(timer("mono-alert-sender").delay(alerts.digestWindowMs()).period(alerts.digestWindowMs()))
                .routeId("mono-alert-sender")
                .process(exchange -> sender.sendPending());

        if (smtp.host().isPresent()) {
            LOG.info("Alerts go by email to {} via SMTP {}:{} ({}){}", String.join(", ", alerts.to()), smtp.host().get(), smtp.port(),
                    smtp.security(), smtp.username().isEmpty() ? "" : " as " + smtp.username());
            warnAboutRiskySmtp();
            from(MAIL).routeId("mono-alert-mail").to(SmtpEndpoint.create(getContext(), smtp, alerts));
        } else {
            createPrivateDirectory(mailDir);
            LOG.info("No mono.smtp.host set: alerts for {} are written as .eml files under {}", String.join(", ", alerts.to()), mailDir);
            from(MAIL).routeId("mono-alert-mail").process(this::writeEml);
        }
    }

    private void warnAboutRiskySmtp() {
        if (!smtp.encrypted() && !smtp.username().isEmpty()) {
            LOG.warn("mono.smtp.starttls and mono.smtp.ssl are both false: the SMTP login of {} goes to {}:{} unencrypted."
                    + " Fine for a relay on this host; anywhere else turn one of them on", smtp.username(), smtp.host().get(), smtp.port());
        }
        if (!smtp.ssl() && smtp.port() == 465) {
            LOG.warn("mono.smtp.port is 465, the port of SMTPS (TLS from the start), but mono.smtp.ssl is false:"
                    + " alert emails will not go out unless mono.smtp.ssl=true");
        }
    }

    /** Alerts describe payments and accounts: only the gateway's own user may read them. */
    private static void createPrivateDirectory(Path dir) throws IOException {
        if (!posix(dir)) {
            Files.createDirectories(dir);
            return;
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
        Files.setPosixFilePermissions(dir, PRIVATE_DIRECTORY); // also when an earlier version created it readable by all
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
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
        // Created with its mode, so it is never readable by others, not even for a moment.
        Files.createFile(file, posix(file) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PRIVATE_FILE)}
                : new FileAttribute<?>[0]);
        try (OutputStream out = Files.newOutputStream(file)) {
            message.writeTo(out);
        }
        LOG.info("Alert email written to {}", file);
    }
}
