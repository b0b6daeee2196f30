package com.monogateway.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.RuntimeExchangeException;
import org.apache.camel.component.jdbc.DefaultJdbcPrepareStatementStrategy;
import org.apache.camel.component.jdbc.JdbcConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** Parsing each SQL text once must give exactly what camel-jdbc's own strategy gives every time. */
class RememberingStatementStrategyTest {

    private static final String NAMED = "INSERT INTO t (a, b, c) VALUES (CAST(:?a AS text), :?b_2, CAST(:?a AS bigint)) -- :? alone";
    private static final String PLAIN = "UPDATE t SET a = ? WHERE b = ?";

    private final CamelContext context = new DefaultCamelContext();
    private final DefaultJdbcPrepareStatementStrategy camels = new DefaultJdbcPrepareStatementStrategy();
    private final RememberingStatementStrategy ours = new RememberingStatementStrategy();

    @Test
    void preparesTheSameSqlAsCamelsStrategyEveryTime() throws Exception {
        for (int i = 0; i < 3; i++) {
            for (String sql : List.of(NAMED, PLAIN)) {
                assertEquals(camels.prepareQuery(sql, true), ours.prepareQuery(sql, true));
                assertEquals(camels.prepareQuery(sql, false), ours.prepareQuery(sql, false));
            }
        }
        assertEquals("INSERT INTO t (a, b, c) VALUES (CAST(? AS text), ?, CAST(? AS bigint)) -- :? alone", ours.prepareQuery(NAMED, true));
    }

    @Test
    void takesTheValuesInTheOrderOfTheNamesFromHeadersOrTheParametersHeader() throws Exception {
        Exchange fromHeaders = new DefaultExchange(context);
        fromHeaders.getIn().setHeader("a", "x");
        fromHeaders.getIn().setHeader("b_2", null);
        Exchange fromParameters = new DefaultExchange(context);
        fromParameters.getIn().setHeader(JdbcConstants.JDBC_PARAMETERS, Map.of("a", 7L, "b_2", true));
        fromParameters.getIn().setHeader("a", "ignored: the parameters header wins");
        for (int i = 0; i < 2; i++) {
            assertEquals(values(camels, fromHeaders), values(ours, fromHeaders));
            assertEquals(values(camels, fromParameters), values(ours, fromParameters));
        }
        assertEquals(java.util.Arrays.asList("x", null, "x"), values(ours, fromHeaders));
        assertEquals(List.of(7L, true, 7L), values(ours, fromParameters));
    }

    @Test
    void aMissingNameFailsTheExchangeAsCamelsStrategyDoes() {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setHeader("a", "x");
        RuntimeExchangeException camel = assertThrows(RuntimeExchangeException.class, () -> values(camels, exchange));
        RuntimeExchangeException mine = assertThrows(RuntimeExchangeException.class, () -> values(ours, exchange));
        assertEquals(camel.getMessage(), mine.getMessage());
    }

    private static List<Object> values(DefaultJdbcPrepareStatementStrategy strategy, Exchange exchange) throws Exception {
        Iterator<?> it = strategy.createPopulateIterator(NAMED, strategy.prepareQuery(NAMED, true), 3, exchange, null);
        List<Object> values = new ArrayList<>();
        while (it.hasNext()) {
            values.add(it.next());
        }
        return values;
    }
}
