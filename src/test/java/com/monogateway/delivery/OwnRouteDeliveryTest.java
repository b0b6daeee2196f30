package com.monogateway.delivery;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.CapturedLogs;
import com.monogateway.support.RunningGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example route shipped for integration teams works as its comments say: a destination of one's own. */
class OwnRouteDeliveryTest {

    @Test
    void theShippedExampleRouteTakesDeliveriesWhenRenamed(@TempDir Path routes) throws Exception {
        try (var files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).toList()) {
                Files.copy(file, routes.resolve(file.getFileName()));
            }
        }
        Files.copy(Path.of("routes", "examples", "to-canonical.camel.yaml.example"), routes.resolve("to-canonical.camel.yaml"));
        Properties settings = RunningGateway.defaults();
        settings.setProperty("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        settings.setProperty("mono.forward.destinations", "erp");
        settings.setProperty("mono.forward.erp.uri", "direct:to-canonical");
        CapturedLogs logs = new CapturedLogs();
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            String id = newId("txd_");
            gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                    paymentData(id, "successful", 30_000, "\"acc_1\"", "2024-05-01T10:00:00Z")));
            await().atMost(Duration.ofSeconds(20)).until(() -> gateway.db().count(
                    "SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> logs.all().contains("\"object\":\"" + id + "\""));
            String line = logs.all();
            assertTrue(line.contains("{\"source\":\"mono\",\"type\":\"direct_debit.payment_successful\""), line);
        } finally {
            logs.detach();
        }
    }
}
