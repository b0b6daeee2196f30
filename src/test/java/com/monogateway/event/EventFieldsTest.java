package com.monogateway.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.support.RunningGateway;
import com.monogateway.vocabulary.Vocabulary;
import java.time.OffsetDateTime;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** The fast tier: every fixture from Mono's docs turned into SQL parameters, without a database. */
class EventFieldsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DefaultCamelContext CONTEXT = new DefaultCamelContext();

    private static Exchange exchange(String fixture) throws Exception {
        JsonNode event = MonoEnvelope.eventNode(JSON.readTree(RunningGateway.fixture(fixture)));
        Exchange exchange = new DefaultExchange(CONTEXT);
        exchange.getIn().setHeader(Vocabulary.EVENT_TYPE, event.path("event").asText());
        exchange.getIn().setHeader(Vocabulary.INBOX_ID, 42L);
        exchange.getIn().setHeader(Vocabulary.LIVE_MODE, true);
        exchange.setProperty(Vocabulary.EVENT_JSON, event);
        return exchange;
    }

    private static void assertPayment(String fixture, String id, String status, long amount, long fee, String reference,
            String account, String updatedAt) throws Exception {
        Map<String, Object> p = new EventFields().paymentRow(exchange(fixture));
        assertEquals(EventFields.DECLARED.get("payment"), p.keySet(), fixture + ": every declared parameter, and no other");
        assertEquals(id, p.get("payment_id"), fixture);
        assertEquals(status, p.get("status"), fixture);
        assertEquals(amount, p.get("amount"), fixture + ": kobo");
        assertEquals(fee, p.get("fee"), fixture);
        assertEquals("NGN", p.get("currency"), fixture);
        assertEquals(reference, p.get("reference"), fixture);
        assertEquals(account, p.get("account_id"), fixture);
        assertEquals(false, p.get("account_is_object"), fixture + ": the legacy payload names the account by id");
        assertEquals(OffsetDateTime.parse(updatedAt), p.get("event_at"), fixture + ": ordered by Mono's updated_at");
        assertEquals(42L, p.get("inbox_id"));
        assertEquals("webhook", p.get("source"));
        assertEquals(id, EventSubject.objectKey("direct_debit.payment_" + status, exchange(fixture).getProperty(
                Vocabulary.EVENT_JSON, JsonNode.class)));
        assertEquals(reference, EventSubject.reference("direct_debit.payment_" + status, exchange(fixture).getProperty(
                Vocabulary.EVENT_JSON, JsonNode.class)));
    }

    /** A set's one parameter: its rows in order, each value as JSON of its declared type, so jsonb_to_recordset reads it. */
    @Test
    void aSetGivesItsRowsAsOneJsonArrayTypedAsDeclared() throws Exception {
        Exchange successful = exchange("payment_successful.json");
        Exchange failed = exchange("payment_failed.json");
        failed.getIn().setHeader(Vocabulary.INBOX_ID, 43L);
        Map<String, Object> parameters = new EventFields().payment(EventSet.of(java.util.List.of(successful, failed)));
        assertEquals(java.util.Set.of("events"), parameters.keySet());
        JsonNode rows = JSON.readTree((String) parameters.get("events"));
        assertEquals(2, rows.size());
        assertEquals(42L, rows.get(0).get("inbox_id").longValue());
        assertEquals(43L, rows.get(1).get("inbox_id").longValue());
        JsonNode first = rows.get(0);
        Map<String, Object> row = new EventFields().paymentRow(successful);
        assertEquals(EventFields.DECLARED.get("payment"), iterable(first.fieldNames()), "every declared column, and no other");
        assertEquals(row.get("amount"), first.get("amount").longValue());
        assertEquals(true, first.get("amount").isIntegralNumber(), "a bigint as a JSON number");
        assertEquals(true, first.get("account_is_object").isBoolean());
        assertEquals(row.get("event_at"), OffsetDateTime.parse(first.get("event_at").textValue()), "a time in ISO-8601 with its offset");
        assertEquals(true, first.get("description").isNull() || first.get("description").isTextual());

        // A jsonb value is the event's JSON itself, not a string holding it.
        JsonNode debit = JSON.readTree("{\"event\":\"events.mandates.debit.successful\",\"data\":{\"reference_number\":\"r1\","
                + "\"mandate\":\"mmc_1\",\"amount\":5000,\"account_details\":{\"bank_code\":\"058\"},\"beneficiary\":null}}");
        Exchange exchange = new DefaultExchange(CONTEXT);
        exchange.getIn().setHeader(Vocabulary.EVENT_TYPE, "events.mandates.debit.successful");
        exchange.getIn().setHeader(Vocabulary.INBOX_ID, 44L);
        exchange.setProperty(Vocabulary.EVENT_JSON, debit);
        JsonNode debitRow = JSON.readTree((String) new EventFields().mandateDebit(EventSet.of(java.util.List.of(exchange)))
                .get("events")).get(0);
        assertEquals("058", debitRow.get("account_details").get("bank_code").textValue());
        assertEquals(true, debitRow.get("beneficiary").isNull());
        assertEquals("successful", debitRow.get("status").textValue());
    }

    private static java.util.Set<String> iterable(java.util.Iterator<String> names) {
        java.util.Set<String> set = new java.util.HashSet<>();
        names.forEachRemaining(set::add);
        return set;
    }

    @Test
    void theBodyIsTheEventAsAMapThatSimpleReads() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode event = mapper.readTree("{\"event\":\"direct_debit.payment_successful\",\"data\":{\"object\":{\"id\":\"txd_1\","
                + "\"amount\":1250000}}}");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Exchange exchange = new DefaultExchange(context);
            exchange.getIn().setBody(new EventMap(event, mapper));
            assertEquals("txd_1", context.resolveLanguage("simple").createExpression("${body[data][object][id]}")
                    .evaluate(exchange, String.class));
            assertEquals(1250000, context.resolveLanguage("simple").createExpression("${body[data][object][amount]}")
                    .evaluate(exchange, Integer.class));
            Map<?, ?> body = exchange.getIn().getBody(Map.class);
            assertEquals("direct_debit.payment_successful", body.get("event"));
            assertEquals(2, body.size());
        }
    }

    @Test
    void timesInMonosShapeReadAsTheIsoParserReadsThem() {
        for (String value : new String[] {"2024-05-01T10:00:00.000Z", "2024-05-01T10:00:00Z", "2024-12-31T23:59:59.999Z",
                "2024-02-29T00:00:00.000Z", "2024-05-01T10:00:00.5Z", "2024-05-01T11:00:00.000+01:00", "0001-01-01T00:00:00Z"}) {
            assertEquals(OffsetDateTime.parse(value), EventFields.time(value), value);
        }
        // Impossible or foreign stamps are no time at all, as before.
        for (String value : new String[] {"2023-02-29T00:00:00.000Z", "2024-13-01T10:00:00.000Z", "2024-05-01T24:00:00.000Z",
                "2024-05-01T10:60:00Z", "2024-05-01 10:00:00.000Z", "2024-05-01T10:00:00.00xZ", "2024-05-01T10:00:00",
                "1714557600", "yesterday"}) {
            assertEquals(null, EventFields.time(value), value);
        }
    }

    @Test
    void everyPaymentFixtureGivesItsIdStatusKoboReferenceAccountAndTime() throws Exception {
        assertPayment("payment_successful.json", "txd_9AhCg0PNkwHiq6RqLLdiqKDf", "successful", 30_000, 300, "djdjj3939394949944",
                "611d575feef5d3371ca9d0d8", "2021-08-18T18:55:16.055Z");
        assertPayment("payment_failed.json", "txd_XzhFBoknIjuosOz4", "failed", 50_000, 4_500,
                "wp_f4719afff583f0079eda234d60c0570e", "618d41d618d6e5538b46d1e2", "2021-11-11T16:21:40.066Z");
        assertPayment("payment_abandoned.json", "txd_aSPmTQsnM4fkQWl6", "abandoned", 11_400_000, 4_500, "J68ON7CHBJV",
                "618d0d4b18d6e5538b3761cd", "2021-11-11T12:33:33.477Z");
        assertPayment("payment_cancelled.json", "txd_aSPmTQsnM4fkQWl6", "cancelled", 11_400_000, 4_500, "J68ON7CHBJV",
                "618d0d4b18d6e5538b3761cd", "2021-11-11T12:33:33.477Z");
    }

    @Test
    void theAccountConnectedFixtureGivesTheAccountAndItsNewStatus() throws Exception {
        Map<String, Object> a = new EventFields().accountRow(exchange("account_connected.json"));
        assertEquals("611d575feef5d3371ca9d0d8", a.get("account_id"));
        assertEquals("connected", a.get("status"));
        assertEquals(null, a.get("name"), "account_connected carries the id only: details come from Mono's API");
        assertEquals(EventFields.DECLARED.get("account"), a.keySet(), "every declared parameter, and no other");
    }

    @Test
    void aPaymentWithoutItsIdCannotBeApplied() throws Exception {
        Exchange exchange = exchange("payment_successful.json");
        ((com.fasterxml.jackson.databind.node.ObjectNode) exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class)
                .path("data").path("object")).remove("id");
        assertThrows(EventFields.InvalidEventDataException.class, () -> new EventFields().paymentRow(exchange));
    }

    @Test
    void anAmountIsKoboWhenItIsAWholeNumberHoweverWrittenAsProcessingReadsTheStoredBody() throws Exception {
        // Processing reads decimals as written (as PostgreSQL's numeric would): an exponent can make a whole number.
        ObjectMapper asProcessingReads = MonoEnvelope.storedEventReader(new ObjectMapper());
        Map<String, Object> amounts = new java.util.LinkedHashMap<>();
        for (String amount : new String[] {"1e3", "1.5e1", "125000", "5E+4"}) {
            amounts.put(amount, new EventFields().paymentRow(withAmount(asProcessingReads, amount)).get("amount"));
        }
        assertEquals(Map.of("1e3", 1000L, "1.5e1", 15L, "125000", 125000L, "5E+4", 50000L), amounts);
        assertEquals("data.object.amount must be a whole number of kobo, but is 50000.0", assertThrows(
                EventFields.InvalidEventDataException.class, () -> new EventFields().paymentRow(withAmount(asProcessingReads, "50000.0")))
                .getMessage());
        String beyond = assertThrows(EventFields.InvalidEventDataException.class,
                () -> new EventFields().paymentRow(withAmount(asProcessingReads, "9.3e18"))).getMessage();
        assertEquals("data.object.amount 9.3E+18 is out of range for a kobo amount (-9223372036854775808 to 9223372036854775807)", beyond);
    }

    private static Exchange withAmount(ObjectMapper mapper, String amount) throws Exception {
        Exchange exchange = exchange("payment_successful.json");
        JsonNode event = MonoEnvelope.eventNode(mapper.readTree(RunningGateway.fixture("payment_successful.json")
                .replaceFirst("\"amount\": ?\\d+", "\"amount\": " + amount)));
        exchange.setProperty(Vocabulary.EVENT_JSON, event);
        return exchange;
    }

    /** docs/routes.md shows what each method gives exactly as EventFields.FIELDS declares it. */
    @Test
    void theRoutesPageShowsEveryDeclaredField() throws Exception {
        String page = java.nio.file.Files.readString(java.nio.file.Path.of("docs", "routes.md"));
        StringBuilder expected = new StringBuilder(table("Every method", EventFields.COMMON));
        for (String method : java.util.List.of("account", "payment", "mandate", "mandateDebit")) {
            expected.append('\n').append(table("`" + method + "`", EventFields.FIELDS.get(method)
                    .subList(EventFields.COMMON.size(), EventFields.FIELDS.get(method).size())));
        }
        assertEquals(EventFields.FIELDS.keySet(), java.util.Set.of("account", "payment", "mandate", "mandateDebit"));
        org.junit.jupiter.api.Assertions.assertTrue(page.contains(expected), "docs/routes.md should hold, as written here:\n" + expected);
    }

    private static String table(String title, java.util.List<EventFields.Field> fields) {
        StringBuilder table = new StringBuilder(title + ":\n\n| Name | SQL type | From the event |\n| --- | --- | --- |\n");
        for (EventFields.Field field : fields) {
            table.append("| `").append(field.name()).append("` | ").append(field.type()).append(" | ").append(field.from())
                    .append(" |\n");
        }
        return table.toString();
    }
}
