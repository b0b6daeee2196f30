package com.monogateway.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.monogateway.event.MonoFamily;
import com.monogateway.vocabulary.Vocabulary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;

/**
 * The fast tier: routes/event-router.camel.yaml alone, on Camel's test support, with the handler
 * routes replaced by mock endpoints, with the MonoFamily header processing sets from event.MonoFamily (so a type
 * the family table misplaces fails here too). No database; runs in about a second. A team that adds an event
 * type adds it to its family in MonoFamily and a row to {@link #ROUTED} (or {@link #IGNORED}) here.
 */
public class EventRouterTest extends CamelTestSupport {

    /** Event type -> the handler endpoint it must reach (other event types are stored and ignored). */
    public static final Map<String, String> ROUTED = new LinkedHashMap<>();
    /** Event types that are stored but not applied (no handler). */
    static final List<String> IGNORED = List.of("mono.accounts.jobs.update", "mono.events.account_income",
            "mono.events.account_credit_worthiness", "event.disburse.account.created", "mono.events.watchlist.found",
            "mono.prove.data_verification_successful", "issuing.card_created", "something.new");

    static {
        for (String type : List.of("account_connected", "account_updated", "account_reauthorized", "reauthorisation_required",
                "account_unlinked", "sync_failed")) {
            ROUTED.put("mono.events." + type, "direct:mono-accounts");
        }
        for (String status : List.of("processing", "successful", "failed", "abandoned", "cancelled")) {
            ROUTED.put("direct_debit.payment_" + status, "direct:mono-payments");
        }
        for (String status : List.of("processing", "successful", "failed")) {
            ROUTED.put("events.mandates.debit." + status, "direct:mono-mandate-debits");
        }
        for (String type : List.of("events.mandates.created", "events.mandates.approved", "events.mandates.rejected",
                "events.mandates.ready", "events.mandates.expired", "events.mandate.action.pause", "events.mandate.action.cancel",
                "events.mandate.action.reinstate")) {
            ROUTED.put(type, "direct:mono-mandates");
        }
    }

    static final String HANDLERS = "direct://mono-(accounts|payments|mandates|mandate-debits)";

    @Override
    public void configureContext(CamelContextConfiguration context) {
        super.configureContext(context);
        Properties properties = new Properties();
        properties.setProperty("mono.live-only", liveOnly());
        context.withUseOverridePropertiesWithPropertiesComponent(properties).withMockEndpointsAndSkip(HANDLERS);
    }

    /** The router alone, loaded as the gateway loads every file in routes/. */
    @Override
    protected RoutesBuilder[] createRouteBuilders() throws Exception {
        return PluginHelper.getRoutesLoader(context)
                .findRoutesBuilders(ResourceHelper.resolveResource(context, "file:routes/event-router.camel.yaml"))
                .toArray(RoutesBuilder[]::new);
    }

    String liveOnly() {
        return "false";
    }

    /** Sends one event through the router; answers the handler it reached, or "ignored:<reason>". */
    String route(String type, Boolean live) {
        for (String handler : List.of("accounts", "payments", "mandates", "mandate-debits")) {
            getMockEndpoint("mock:direct:mono-" + handler).reset();
        }
        Exchange exchange = template.send("direct:mono-event", e -> {
            e.getIn().setHeader(Vocabulary.EVENT_TYPE, type);
            MonoFamily family = MonoFamily.of(type); // as processing sets it
            if (family != null) {
                e.getIn().setHeader(Vocabulary.FAMILY, family.header);
            }
            if (live != null) {
                e.getIn().setHeader(Vocabulary.LIVE_MODE, live);
            }
            e.getIn().setBody(Map.of("event", type, "data", Map.of()));
        });
        String reached = null;
        for (String handler : List.of("accounts", "payments", "mandates", "mandate-debits")) {
            MockEndpoint mock = getMockEndpoint("mock:direct:mono-" + handler);
            if (mock.getReceivedCounter() > 0) {
                assertNull(reached, type + " reached two handlers");
                assertEquals(1, mock.getReceivedCounter(), type + " reached " + handler + " more than once");
                reached = "direct:mono-" + handler;
            }
        }
        String outcome = exchange.getProperty(Vocabulary.OUTCOME, String.class);
        if ("ignored".equals(outcome)) {
            assertNull(reached, type + " was both ignored and handled by " + reached);
            return "ignored:" + exchange.getProperty(Vocabulary.OUTCOME_REASON, String.class);
        }
        return reached;
    }

    @Test
    void everyCatalogEventReachesItsHandlerAndTheRestAreIgnored() {
        ROUTED.forEach((type, handler) -> {
            assertEquals(handler, MonoFamily.of(type).handler, type + ": the family table names another handler");
            assertEquals(handler, route(type, true), type);
            assertEquals(handler, route(type, false), type + " in test mode, with mono.live-only=false");
            assertEquals(handler, route(type, null), type + " without a live flag");
        });
        for (String type : IGNORED) {
            assertEquals("ignored:no-handler", route(type, true), type);
        }
    }
}
