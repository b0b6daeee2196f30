package com.monogateway.alerts;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.monogateway.failure.TestRoutes;
import com.monogateway.support.RunningGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** With mono.alerts.enabled=false the gateway still applies and dead-letters events; it only raises no alert. */
class AlertsOffTest {

    @Test
    void eventsAreAppliedAndDeadLetteredWithoutAnyAlertOrEmail() throws Exception {
        Properties p = RunningGateway.defaults();
        TestRoutes.install(Files.createTempDirectory("alerts-off-routes"), p);
        p.setProperty("mono.alerts.enabled", "false");
        p.setProperty("mono.redelivery.max-attempts", "1");
        try (RunningGateway gateway = RunningGateway.start(p)) {
            gateway.postNew(v2("direct_debit.payment_failed", "2024-05-01T10:00:00Z",
                    paymentData(newId("txd_"), "failed", 50_000, "\"acc_1\"", "2024-05-01T10:00:00Z"))); // an alerting type
            gateway.postNew(v2("test.always-fails", "2024-05-01T10:00:00Z", "{\"id\":\"x\"}"));
            await().atMost(Duration.ofSeconds(20)).until(() -> gateway.db().count("SELECT count(*) FROM dead_letters") == 1
                    && gateway.db().count("SELECT count(*) FROM payments WHERE status = 'failed'") == 1);
            // Alerts are queued in the same transaction as the dead letter and the failed payment: none came with them.
            assertEquals(0, gateway.db().count("SELECT count(*) FROM alerts"));
            assertNull(gateway.context().getRoute("mono-alert-sender"), "no sender route");
            Path mail = Path.of(p.getProperty("mono.data.dir"), "mail");
            assertFalse(Files.isDirectory(mail) && Files.list(mail).findAny().isPresent(), "no email written");
            assertEquals(200, gateway.management("/observe/health/ready").statusCode());
        }
    }
}
