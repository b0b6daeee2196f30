package com.monogateway.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.routes.EventRouterTest;
import com.monogateway.support.RunningGateway;
import com.monogateway.trigger.SampleEvents;
import com.monogateway.trigger.TriggerCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trigger command against a running gateway, for every event type it knows. */
class TriggerCommandTest {

    private static RunningGateway gateway;
    private static java.util.Properties settings;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void start() {
        settings = RunningGateway.defaults(); // a random port, not 8080
        gateway = RunningGateway.start(settings);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private int trigger(String... args) {
        return TriggerCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void everyKnownEventTypeIsAcceptedAndProcessed() {
        Set<String> types = new SampleEvents(new Random()).types();
        assertTrue(types.size() >= 29, "the whole catalog: " + types);
        long before = gateway.db().count("SELECT count(*) FROM webhook_events");

        for (String type : types) {
            assertEquals(0, trigger(type, "--url", gateway.webhookUri().toString(), "--secret", RunningGateway.SECRET), err.toString());
        }
        gateway.awaitInboxDrained();

        assertEquals(before + types.size(), gateway.db().count("SELECT count(*) FROM webhook_events"));
        assertEquals(0, gateway.db().count("SELECT count(*) FROM webhook_events WHERE status = 'failed'"),
                gateway.db().rows("SELECT event_type, last_error FROM webhook_events WHERE status = 'failed'").toString());
        for (String type : types) {
            String status = (String) gateway.db().row("SELECT status FROM webhook_events WHERE event_type = ? ORDER BY id DESC LIMIT 1", type).get("status");
            // A type with a handler is applied; one without is stored and ignored. A mistyped sample type would
            // reach no handler and end ignored: caught here.
            assertEquals(EventRouterTest.ROUTED.containsKey(type) ? "processed" : "ignored", status, type);
        }
        assertTrue(out.toString().contains("direct_debit.payment_successful -> 200 {\"status\":\"received\"}"), out.toString());
    }

    @Test
    void countSendsFreshEventsEachTime() {
        assertEquals(0, trigger("events.mandates.debit.failed", "--count", "3", "--url", gateway.webhookUri().toString(),
                "--secret", RunningGateway.SECRET));
        assertTrue(out.toString().contains("3 of 3 answered 200"), out.toString());
        gateway.awaitInboxDrained();
        assertTrue(gateway.db().count("SELECT count(DISTINCT CAST(body AS jsonb)->'data'->>'reference_number') FROM webhook_events "
                + "WHERE event_type = 'events.mandates.debit.failed'") >= 3);
    }

    @Test
    void fileIsPostedAsItIs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("event.json");
        Files.writeString(file, RunningGateway.fixture("payment_abandoned.json").replace("txd_aSPmTQsnM4fkQWl6", "txd_fromfile01"));

        assertEquals(0, trigger("--file", file.toString(), "--url", gateway.webhookUri().toString(), "--secret", RunningGateway.SECRET));
        byte[] sent = Files.readAllBytes(file);
        String dedupeKey = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(sent));
        assertEquals(new String(sent, StandardCharsets.UTF_8), gateway.db().row("SELECT body FROM webhook_events WHERE dedupe_key = ?",
                dedupeKey).get("body"), "stored byte for byte as the file holds it");
        assertEquals(1, trigger("--file", file.toString(), "--url", gateway.webhookUri().toString(), "--secret", "wrong"),
                "a refused post makes the command fail");
        assertTrue(out.toString().contains("-> 401"), out.toString());
    }

    @Test
    void listAndUsageErrors() {
        assertEquals(0, trigger("--list"));
        assertTrue(out.toString().lines().anyMatch("events.mandate.action.pause"::equals), out.toString());
        assertEquals(2, trigger("no.such.event", "--secret", "s"));
        assertTrue(err.toString().contains("unknown event type 'no.such.event'"), err.toString());
        assertEquals(2, trigger("direct_debit.payment_failed", "--count", "many", "--secret", "s"));
        assertEquals(2, trigger());
    }

    @Test
    void withoutFlagsItPostsToTheGatewayItsSettingsDescribe() {
        assertEquals(0, TriggerCommand.run(new String[] {"direct_debit.payment_successful"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), settings), err.toString());
        assertTrue(out.toString().contains("direct_debit.payment_successful -> 200"), out.toString());
    }

    @Test
    void whenNothingListensItSaysSo() {
        String url = "http://127.0.0.1:" + RunningGateway.freePort() + "/webhooks/mono";
        assertEquals(1, trigger("direct_debit.payment_successful", "--url", url, "--secret", "s"));
        assertTrue(err.toString().contains("nothing listens at " + url + " (connection refused). Is the gateway running?"), err.toString());
        assertEquals(0, trigger("--help"));
        assertTrue(out.toString().contains("--count=N"), out.toString());
    }
}
