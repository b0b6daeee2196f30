package com.monogateway.alerts;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.GatewaySettings;
import com.monogateway.config.SettingsException;
import com.monogateway.support.CapturedLogs;
import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How alert emails reach the SMTP server: encrypted unless plain SMTP is asked for, STARTTLS required
 * by default, the server's certificate checked, and a password with any characters sent intact and
 * never logged. Against a real SMTP server, {@link RecordingSmtpServer}, which records what a client sends
 * before and after TLS and, like a submission server, refuses mail until the configured login succeeded.
 */
class SmtpSecurityTest {

    private static final String USER = "alerts@example.com";
    /** Characters that broke the endpoint URI ({@code )}, {@code &}, {@code %}, {@code +}, space). */
    private static final String PASSWORD = "p@ss)w&rd%+x y";

    @TempDir
    static Path certificates;
    private static TestCertificate localhost;
    private static TestCertificate otherHost;

    private final CapturedLogs logs = new CapturedLogs();
    private RunningGateway gateway;
    private Db db;

    @BeforeAll
    static void makeCertificates() {
        localhost = TestCertificate.create(certificates, "localhost", "dns:localhost,ip:127.0.0.1");
        otherHost = TestCertificate.create(certificates, "mail.other.example", "dns:mail.other.example");
    }

    @BeforeEach
    void noGatewayYet() {
        gateway = null;
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        logs.detach();
    }

    @Test
    void withStarttlsRequiredAServerThatDoesNotOfferItGetsNoCredentialsAndTheAlertWaits() throws Exception {
        try (RecordingSmtpServer server = new RecordingSmtpServer(null)) {
            start(smtp(server.port()), false); // mono.smtp.starttls is left at its default

            await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM alerts WHERE attempts >= 2") == 1);
            Map<String, Object> alert = db.row("SELECT sent_at, last_error FROM alerts");
            assertEquals(null, alert.get("sent_at"), "still queued, tried again each window");
            assertTrue(((String) alert.get("last_error")).contains("STARTTLS"), (String) alert.get("last_error"));
            assertTrue(server.connections() >= 2);
            assertEquals(0, server.messages());
            List<String> received = server.received();
            assertTrue(received.stream().anyMatch(line -> line.startsWith("EHLO")), received.toString());
            assertNoCredentialsIn(received);
            assertFalse(received.stream().anyMatch(line -> line.startsWith("MAIL")), received.toString());
        }
        assertNoPasswordInLogs();
    }

    @Test
    void withStarttlsTheLoginGoesOnlyOverTlsAndTheMailArrives() throws Exception {
        try (RecordingSmtpServer server = new RecordingSmtpServer(localhost.serverContext())) {
            start(smtp(server.port()), true);

            await().atMost(Duration.ofSeconds(20)).until(() -> server.messages() == 1
                    && db.count("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL") == 1);
            List<String> received = server.received();
            int tls = received.indexOf(RecordingSmtpServer.TLS_STARTED);
            assertTrue(tls > 0, received.toString());
            assertNoCredentialsIn(received.subList(0, tls));
            assertTrue(received.subList(tls, received.size()).stream().anyMatch(line -> decoded(line).contains(PASSWORD)),
                    "the password arrived intact, after the TLS handshake: " + received);
            assertTrue(received.stream().anyMatch(line -> line.startsWith("Subject: [Mono gateway] direct_debit.payment_failed")),
                    received.toString());
        }
        assertNoPasswordInLogs();
        assertTrue(logs.all().contains("via SMTP localhost:"), "the start says how mail goes");
        assertTrue(logs.all().contains("(STARTTLS required) as " + USER));
    }

    @Test
    void aCertificateForAnotherHostIsRefusedBeforeTheLogin() throws Exception {
        try (RecordingSmtpServer server = new RecordingSmtpServer(otherHost.serverContext())) {
            Properties settings = smtp(server.port());
            settings.setProperty("mono.smtp.ca-file", otherHost.pem().toString()); // trusted, but not for localhost
            start(settings, false);

            await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM alerts WHERE attempts >= 1") == 1);
            Map<String, Object> alert = db.row("SELECT sent_at, last_error FROM alerts");
            assertEquals(null, alert.get("sent_at"));
            assertTrue(((String) alert.get("last_error")).contains("No subject alternative DNS name matching localhost"), (String) alert.get("last_error"));
            assertTrue(server.received().contains("STARTTLS"), server.received().toString());
            assertNoCredentialsIn(server.received());
            assertEquals(0, server.messages());
        }
    }

    @Test
    void withSslTheMailGoesByImplicitTlsWithALoginWhosePasswordHasUriCharacters() throws Exception {
        // A server that refuses mail until this very login succeeded: a gateway that stopped signing in, or
        // sent the password mangled, gets no mail through.
        try (RecordingSmtpServer smtps = new RecordingSmtpServer(localhost.serverContext(), true, USER, PASSWORD)) {
            Properties settings = smtp(smtps.port());
            settings.setProperty("mono.smtp.ssl", "true");
            start(settings, true);

            await().atMost(Duration.ofSeconds(20)).until(() -> smtps.messages() == 1
                    && db.count("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL") == 1);
            assertEquals(List.of(USER), smtps.signedIn(), "signed in once, as the configured user");
            List<String> received = smtps.received();
            assertEquals(RecordingSmtpServer.TLS_STARTED, received.get(0), "TLS before the first line");
            assertFalse(received.contains("STARTTLS"), received.toString());
            int auth = indexOfStart(received, "AUTH");
            int mail = indexOfStart(received, "MAIL");
            assertTrue(auth >= 0 && auth < mail, "the login came before the mail: " + received);
            assertTrue(received.stream().anyMatch(line -> line.startsWith("Subject: [Mono gateway] direct_debit.payment_failed")),
                    received.toString());
        }
        assertNoPasswordInLogs();
    }

    @Test
    void plainSmtpWithALoginWorksButTheStartWarnsThatItGoesInClearText() throws Exception {
        try (RecordingSmtpServer smtp = new RecordingSmtpServer(null, false, USER, PASSWORD)) {
            Properties settings = smtp(smtp.port());
            settings.setProperty("mono.smtp.starttls", "false");
            start(settings, false);

            await().atMost(Duration.ofSeconds(20)).until(() -> smtp.messages() == 1);
            assertEquals(List.of(USER), smtp.signedIn(), "signed in once, as the configured user");
            List<String> received = smtp.received();
            assertTrue(indexOfStart(received, "AUTH") < indexOfStart(received, "MAIL"), received.toString());
            assertFalse(received.contains(RecordingSmtpServer.TLS_STARTED), "plain, as asked: " + received);
            assertTrue(logs.events.stream().anyMatch(event -> event.getLevel().toString().equals("WARN")
                    && event.getFormattedMessage().startsWith("mono.smtp.starttls and mono.smtp.ssl are both false: the SMTP login of "
                            + USER + " goes to localhost:" + smtp.port() + " unencrypted")), logs.all());
        }
        assertNoPasswordInLogs();
    }

    @Test
    void aWrongPasswordGetsNoMailThroughAndTheAlertWaits() throws Exception {
        try (RecordingSmtpServer smtp = new RecordingSmtpServer(null, false, USER, PASSWORD + "-other")) {
            Properties settings = smtp(smtp.port());
            settings.setProperty("mono.smtp.starttls", "false");
            start(settings, false);

            await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM alerts WHERE attempts >= 1") == 1);
            assertEquals(0, smtp.messages());
            assertEquals(List.of(), smtp.signedIn());
            assertEquals(null, db.row("SELECT sent_at FROM alerts").get("sent_at"), "still queued, to be tried again");
        }
        assertNoPasswordInLogs();
    }

    private static int indexOfStart(List<String> lines, String command) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).toUpperCase(java.util.Locale.ROOT).startsWith(command)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void theSettingsPickThePortByTheSchemeAndNameTheKeyOfABadCaFile() throws Exception {
        assertEquals(587, settings(Map.of()).smtp().port());
        assertEquals(465, settings(Map.of("mono.smtp.ssl", "true")).smtp().port());
        assertEquals(2525, settings(Map.of("mono.smtp.ssl", "true", "mono.smtp.port", "2525")).smtp().port());
        assertEquals("STARTTLS required", settings(Map.of()).smtp().security());
        assertEquals(1, settings(Map.of("mono.smtp.ca-file", localhost.pem().toString())).smtp().trustedCertificates().size());

        Path notPem = Files.writeString(certificates.resolve("not.pem"), "not a certificate");
        SettingsException e = assertThrows(SettingsException.class, () -> settings(Map.of("mono.smtp.ca-file", notPem.toString())));
        assertTrue(e.getMessage().startsWith("mono.smtp.ca-file must name a PEM file of certificates"), e.getMessage());
        e = assertThrows(SettingsException.class, () -> settings(Map.of("mono.smtp.ssl", "yes")));
        assertTrue(e.getMessage().startsWith("mono.smtp.ssl must be true or false"), e.getMessage());
    }

    private static GatewaySettings settings(Map<String, String> smtp) {
        return GatewaySettings.from(key -> key.equals(GatewaySettings.WEBHOOK_SECRET) ? Optional.of("s") : Optional.ofNullable(smtp.get(key)));
    }

    /** SMTP on localhost (the name the test certificate is for), with a login. */
    private static Properties smtp(int port) {
        Properties p = new Properties();
        p.setProperty("mono.smtp.host", "localhost");
        p.setProperty("mono.smtp.port", Integer.toString(port));
        p.setProperty("mono.smtp.username", USER);
        p.setProperty("mono.smtp.password", PASSWORD);
        return p;
    }

    /** Starts the gateway and raises one alert (a failed payment); {@code trustLocalhost} sets mono.smtp.ca-file. */
    private void start(Properties smtp, boolean trustLocalhost) {
        Properties settings = RunningGateway.defaults();
        settings.putAll(smtp);
        if (trustLocalhost) {
            settings.setProperty("mono.smtp.ca-file", localhost.pem().toString());
        }
        settings.setProperty("mono.alerts.to", "ops@example.com");
        settings.setProperty("mono.alerts.digest-window", "300ms");
        gateway = RunningGateway.start(settings);
        db = gateway.db();
        gateway.postNew(RunningGateway.fixture("payment_failed.json"));
    }

    private static void assertNoCredentialsIn(List<String> lines) {
        for (String line : lines) {
            assertFalse(line.toUpperCase().startsWith("AUTH"), "a login was attempted: " + lines);
            assertFalse(line.contains(PASSWORD) || decoded(line).contains(PASSWORD) || decoded(line).contains(USER),
                    "credentials went out: " + lines);
        }
    }

    private void assertNoPasswordInLogs() {
        String all = logs.all();
        for (String form : List.of(PASSWORD, URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8), base64(PASSWORD), "p@ss)")) {
            assertFalse(all.contains(form), "the logs contain the password as " + form);
        }
    }

    /** The text a line carries in base64 (as SMTP logins do), or "" when it is not base64. */
    private static String decoded(String line) {
        String last = line.substring(line.lastIndexOf(' ') + 1);
        try {
            return new String(Base64.getDecoder().decode(last), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
