package com.monogateway.admin;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.failure.TestRoutes;
import com.monogateway.support.HttpDestination;
import com.monogateway.support.OtlpReceiver;
import com.monogateway.support.Resources;
import com.monogateway.support.RunningGateway;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operations console in a real browser: Debian's Chromium, headless, driven by Selenium through
 * chromium-driver (.ci/run installs both), against the running gateway. Leaves screenshots in
 * target/console-screenshots (docs/console.png is one of them).
 */
class ConsoleBrowserTest {

    private static final String TOKEN = "admin-token-for-the-console-test-0123456789";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @AutoClose
    private final Resources resources = new Resources();

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Path.of("/usr/bin/chromium").toFile());
        // The flags this machine's closed network needs (no background calls home), and a window a laptop has.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @Test
    void anOperatorSignsInFindsAPaymentReplaysADeadLetterDiscardsAnotherAndSignsOut() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver")),
                "install Debian's chromium and chromium-driver (.ci/run does)");
        HttpDestination erp = resources.keep(new HttpDestination());
        Properties p = RunningGateway.defaults();
        TestRoutes.install(Files.createTempDirectory("console-routes"), p);
        p.setProperty("mono.admin.token", TOKEN);
        p.setProperty("mono.redelivery.max-attempts", "1");
        p.setProperty("mono.forward.destinations", "erp");
        p.setProperty("mono.forward.erp.uri", erp.url("/mono"));
        p.setProperty("mono.forward.erp.events", "direct_debit.*");
        // A second destination where nothing listens: an operator must see that it is down, and why.
        int nothingListens;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            nothingListens = socket.getLocalPort();
        }
        p.setProperty("mono.forward.destinations", "erp,ledger");
        p.setProperty("mono.forward.ledger.uri", "http://127.0.0.1:" + nothingListens + "/mono");
        p.setProperty("mono.forward.ledger.events", "direct_debit.*");
        // Traces on: the event page names the event's trace.
        p.putAll(resources.keep(new OtlpReceiver()).gatewaySettings());
        RunningGateway gateway = resources.keep(RunningGateway.start(p));
        gateway.db().execute(TestRoutes.SWITCH_TABLE);

        String payment = newId("txd_");
        gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                paymentData(payment, "successful", 250_000, "\"acc_1\"", "2024-05-01T10:00:00.000Z")));
        gateway.postNew(v2("test.fixable", "2024-05-01T10:00:00Z", "{\"id\":\"fix_1\"}"));
        gateway.postNew(v2("test.fixable", "2024-05-01T10:00:01Z", "{\"id\":\"fix_2\"}"));
        await().atMost(Duration.ofSeconds(20)).until(() ->
                gateway.db().count("SELECT count(*) FROM dead_letters WHERE status = 'open'") == 2 && erp.received().size() == 1);
        gateway.db().execute("UPDATE test_switch SET broken = false"); // the cause is fixed: a replay now succeeds
        // Two more payments: three objects refused in a row open the ledger's circuit.
        for (int i = 0; i < 2; i++) {
            String other = newId("txd_");
            gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                    paymentData(other, "successful", 10_000, "\"acc_1\"", "2024-05-01T10:00:00.000Z")));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.db().count(
                "SELECT count(DISTINCT object_key) FROM deliveries WHERE destination = 'ledger' AND attempts > 0") >= 3);

        WebDriver browser = chromium();
        resources.keep(browser::quit);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        String console = gateway.managementUri("/admin/").toString();
        browser.get(console);

        // Sign in: a wrong token is refused, the right one opens the console.
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys("not-the-token");
        browser.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "not an admin token"));
        WebElement token = browser.findElement(By.id("token"));
        token.clear();
        token.sendKeys(TOKEN);
        browser.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
        Cookie cookie = browser.manage().getCookieNamed(AdminHttp.COOKIE);
        assertNotNull(cookie);
        assertTrue(cookie.isHttpOnly(), "the session cookie is out of the page's scripts' reach");
        assertEquals("Strict", cookie.getSameSite());
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("count-dead-letters"), "2"));

        // The landing page answers "is it healthy?": the last hour's events as drawn, by outcome, and each
        // destination's deliveries (the drawn bars' counts, not only that a chart exists).
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("events-chart")));
        assertEquals(3, drawn(browser, "#events-chart rect[data-kind='processed']"));
        assertEquals(2, drawn(browser, "#events-chart rect[data-kind='failed']"));
        assertEquals(0, drawn(browser, "#events-chart rect[data-kind='ignored']"));
        assertEquals(3, drawn(browser, "#delivered-erp rect"));
        assertEquals(0, drawn(browser, "#delivered-ledger rect"), "nothing reached the ledger");
        assertEquals("2", browser.findElement(By.id("open-dead-letters")).getText());
        screenshot(browser, "landing.png"); // docs/console-landing.png: the ledger is down
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        Object landingOverflow = ((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertEquals(0L, ((Number) landingOverflow).longValue(), "the landing page is wider than a phone");
        screenshot(browser, "landing-phone.png");
        Object foreign = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin));");
        assertEquals(List.of(), foreign, "the console loads nothing from another host");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
        // A failed event is two clicks from there.
        browser.findElement(By.id("failed-events")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("main table tbody tr"), 2));
        browser.findElement(By.cssSelector("main table tbody tr a")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("main h1"), "test.fixable"));
        browser.findElement(By.linkText("Events")).click();

        // Find the payment by its reference, open its event: the payment row and its delivery are there.
        WebElement search = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("filter-q")));
        search.sendKeys("ref_" + payment, org.openqa.selenium.Keys.ENTER); // the keyboard is enough
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("overview"), "erp UP: 0 waiting, 0 held, 0 dead"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("main table"), "direct_debit.payment_successful"));
        List<WebElement> rows = browser.findElements(By.cssSelector("main table tbody tr"));
        assertEquals(1, rows.size(), "only that payment's event");
        rows.get(0).findElement(By.tagName("a")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("payment")));
        assertTrue(browser.findElement(By.id("payment")).getText().contains("successful"));
        assertTrue(browser.findElement(By.id("payment")).getText().contains(payment));
        // Money as money: 250,000 kobo is NGN 2,500.00, with the kobo figure beside it; times in UTC, local on hover.
        String paymentText = browser.findElement(By.id("payment")).getText();
        assertTrue(paymentText.contains("\u20a62,500.00 (250000 kobo)"), paymentText);
        WebElement received = browser.findElement(By.cssSelector("#timeline time"));
        assertTrue(received.getText().endsWith("Z"), received.getText());
        assertTrue(received.getAttribute("title").endsWith("(your time)"), received.getAttribute("title"));
        String timeline = browser.findElement(By.id("timeline")).getText();
        assertTrue(timeline.contains("delivery to erp: delivered"), timeline);
        String traceparent = (String) gateway.db().row("SELECT trace_parent FROM webhook_events WHERE object_key = ?", payment)
                .get("trace_parent");
        assertEquals(traceparent.split("-")[1], browser.findElement(By.id("trace-id")).getText(), "the event's trace id");
        // Each failed send is in the timeline with its error, not only the last one.
        assertTrue(timeline.contains("delivery to ledger: attempt 1 failed") && timeline.contains("Connection refused"), timeline);
        assertTrue(browser.findElement(By.id("payload")).getText().contains("\"reference\" : \"ref_" + payment + "\"")
                || browser.findElement(By.id("payload")).getText().contains("\"reference\": \"ref_" + payment + "\""));
        screenshot(browser, "event.png");
        // On a phone's width nothing but the tables' own boxes scrolls sideways.
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        Object overflow = ((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertEquals(0L, ((Number) overflow).longValue(), "the page is wider than a phone");
        screenshot(browser, "event-phone.png");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));

        // The header says a destination is down; its card says why and how much waits.
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("overview-ledger"), "DOWN"));
        assertTrue(browser.findElement(By.id("overview-erp")).getText().startsWith("erp UP"),
                browser.findElement(By.id("overview-erp")).getText());
        browser.findElement(By.id("overview-ledger")).click();
        WebElement ledger = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("destination-ledger")));
        assertEquals("DOWN", ledger.getAttribute("data-state"));
        String lastError = ledger.findElement(By.cssSelector("[data-fact='last error']")).getText();
        assertTrue(lastError.contains("Connection refused"), lastError);
        assertTrue(ledger.findElement(By.cssSelector("[data-fact='waiting']")).getText().startsWith("3 (oldest "),
                ledger.findElement(By.cssSelector("[data-fact='waiting']")).getText());
        assertTrue(ledger.findElement(By.cssSelector(".why")).getText().contains("Nothing is lost"));
        String downSince = ledger.findElement(By.cssSelector("[data-fact='down since'] time")).getAttribute("datetime");
        assertTrue(java.time.Instant.parse(downSince).isAfter(java.time.Instant.now().minusSeconds(120)), downSince);
        // No dead delivery yet, so the list opens on those waiting: the ledger's three.
        assertEquals(3, browser.findElements(By.cssSelector("main tbody tr")).stream().filter(r -> r.getText().contains("ledger")).count());
        screenshot(browser, "destination-down.png");
        WebElement erpCard = browser.findElement(By.id("destination-erp"));
        assertEquals("UP", erpCard.getAttribute("data-state"));
        assertEquals("0 / 256", erpCard.findElement(By.cssSelector("[data-fact='in flight']")).getText());

        // Dead letters: replay one (it is processed now), discard the other with a reason.
        browser.findElement(By.linkText("Dead letters")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("main tbody tr"), 2));
        screenshot(browser, "dead-letters.png");
        long replayed = (Long) gateway.db().row("SELECT min(id) AS id FROM dead_letters").get("id");
        browser.findElement(By.cssSelector("[data-dead-letter='" + replayed + "'] button.replay")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "replayed"));
        await().atMost(Duration.ofSeconds(15)).until(() -> "processed".equals(gateway.db().row(
                "SELECT e.status FROM webhook_events e JOIN dead_letters d ON d.webhook_event_id = e.id WHERE d.id = ?", replayed)
                .get("status")));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("main tbody tr"), 1));
        WebElement reason = browser.findElement(By.cssSelector("main tbody input.reason"));
        reason.sendKeys("sent by mistake during a test");
        browser.findElement(By.cssSelector("main tbody button.danger")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "discarded"));
        assertEquals("sent by mistake during a test", gateway.db().row(
                "SELECT discard_reason FROM dead_letters WHERE status = 'discarded'").get("discard_reason"));

        // The session cookie alone does not change anything: a missing or wrong CSRF token is refused.
        String session = AdminHttp.COOKIE + "=" + cookie.getValue();
        String api = gateway.managementUri("/admin/events/replay?type=test.*").toString();
        assertEquals(403, post(api, session, null).statusCode());
        assertEquals(403, post(api, session, "wrong").statusCode());
        assertEquals(200, get(gateway.managementUri("/admin/events").toString(), session).statusCode(), "reading needs no token");
        assertEquals(401, get(gateway.managementUri("/admin/events").toString(), null).statusCode());

        // Sign out: the form is back and the old cookie opens nothing.
        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        assertFalse(browser.findElement(By.id("nav")).isDisplayed());
        assertEquals(401, get(gateway.managementUri("/admin/events").toString(), session).statusCode());
    }

    /** The counts the drawn bars matching the selector stand for. */
    private static long drawn(WebDriver browser, String bars) {
        return browser.findElements(By.cssSelector(bars)).stream().mapToLong(b -> Long.parseLong(b.getAttribute("data-count"))).sum();
    }

    private static HttpResponse<String> post(String url, String cookie, String csrf) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(java.net.URI.create(url)).header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.noBody());
        if (csrf != null) {
            request.header(AdminHttp.CSRF_HEADER, csrf);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(java.net.URI.create(url)).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "console-screenshots"));
        Path shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
