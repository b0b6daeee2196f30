package com.monogateway.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.event.EventSet;
import com.monogateway.vocabulary.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;

/**
 * docs/routes.md's and routes/examples' own route for one kind of event, run with the event id an attacker
 * holding the webhook secret would send: the file lands inside its folder, named by the gateway's number.
 * And no route the project ships or teaches builds an endpoint URI from event data.
 */
class CollectionsExampleRouterTest extends CamelTestSupport {

    private static final Path EXAMPLE = Path.of("routes/examples/collections.camel.yaml.example");
    private static final String INJECTION = "../../pwned2&jailStartingDirectory=false&tempPrefix=";

    @Override
    protected RoutesBuilder[] createRouteBuilders() throws Exception {
        // Loaded as YAML, which is what the file becomes once renamed.
        Path yaml = Files.createTempDirectory("collections").resolve("collections.camel.yaml");
        Files.copy(EXAMPLE, yaml);
        return PluginHelper.getRoutesLoader(context)
                .findRoutesBuilders(ResourceHelper.resolveResource(context, "file:" + yaml.toAbsolutePath()))
                .toArray(RoutesBuilder[]::new);
    }

    @Test
    void anEventIdThatWouldInjectEndpointOptionsWritesOnlyInsideTheFolder() throws IOException {
        Path folder = Path.of("collections");
        Path outside = folder.resolve("../../pwned2").normalize(); // where the injected options wrote
        Files.deleteIfExists(outside);
        try {
            // A set of two events, as the router passes it on.
            Exchange attack = event(42L, INJECTION);
            Exchange other = event(43L, "evt_2");
            Exchange sent = template.send("direct:collections-failed-payment", EventSet.of(List.of(attack, other)));
            assertEquals(null, sent.getException());
            assertEquals(List.of("failed-payment-42.json", "failed-payment-43.json"), names(folder));
            assertTrue(Files.readString(folder.resolve("failed-payment-42.json")).contains(INJECTION), "the event as received");
            assertTrue(Files.readString(folder.resolve("failed-payment-43.json")).contains("evt_2"), "each event in its own file");
            assertFalse(Files.exists(outside), "nothing written outside the folder");
        } finally {
            for (String name : names(folder)) {
                Files.delete(folder.resolve(name));
            }
            Files.deleteIfExists(folder);
        }
    }

    @Test
    void noShippedOrTaughtRouteBuildsAnEndpointUriFromTheMessage() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("routes"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(file);
                assertFalse(text.lines().filter(l -> !l.strip().startsWith("#")).anyMatch(l -> l.strip().startsWith("- toD:")
                        || l.strip().startsWith("toD:") || l.contains("recipientList")), file + " builds an endpoint from the message");
            }
        }
        for (Path page : List.of(Path.of("README.md"), Path.of("docs", "routes.md"))) {
            assertFalse(Files.readString(page).lines().anyMatch(l -> l.strip().startsWith("- toD:")), page + " teaches toD");
        }
        assertTrue(Files.readString(Path.of("docs", "routes.md")).contains(Files.readString(EXAMPLE).lines().filter(l -> !l.startsWith("#"))
                .reduce((a, b) -> a + "\n" + b).orElseThrow()), "docs/routes.md shows the example file's route as it is");
    }

    private Exchange event(long inboxId, String eventId) {
        Exchange e = new DefaultExchange(context);
        e.getIn().setHeader(Vocabulary.EVENT_TYPE, "direct_debit.payment_failed");
        e.getIn().setHeader(Vocabulary.EVENT_ID, eventId);
        e.getIn().setHeader(Vocabulary.DEDUPE_KEY, eventId);
        e.getIn().setHeader(Vocabulary.INBOX_ID, inboxId);
        e.setProperty(Vocabulary.PAYLOAD, "{\"event\":\"direct_debit.payment_failed\",\"event_id\":\"" + eventId + "\"}");
        return e;
    }

    private static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
