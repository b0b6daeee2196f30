package com.monogateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Settings read without a gateway: durations in every form the README calls valid. */
class GatewaySettingsTest {

    private static GatewaySettings read(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.putIfAbsent("mono.webhook.secret", "a-secret-long-enough-0123");
        return GatewaySettings.from(key -> Optional.ofNullable(all.get(key)));
    }

    @Test
    void durationsTakeCamelsCompactFormIsoAndBareMilliseconds() {
        assertEquals(2_000, GatewaySettings.durationMillis("PT2S"));
        assertEquals(90_000, GatewaySettings.durationMillis("1m30s"));
        assertEquals(90_000, GatewaySettings.durationMillis("pt1m30s"));
        assertEquals(500, GatewaySettings.durationMillis("500ms"));
        assertEquals(3_600_000, GatewaySettings.durationMillis("1h"));
        assertEquals(172_800_000, GatewaySettings.durationMillis("2d"));
        assertEquals(8_100_000, GatewaySettings.durationMillis("2h15m"));
        assertEquals(250, GatewaySettings.durationMillis("250"));
        for (String bad : new String[] {"", "abc", "1x", "m1", "1m 30s", "-PT2S", "10 s", "1.5s"}) {
            assertEquals(-1, GatewaySettings.durationMillis(bad), bad);
        }
    }

    @Test
    void everyDurationKeyAcceptsEveryFormAndAZeroWhereTheReadmeAllowsIt() {
        GatewaySettings settings = read(Map.of("mono.alerts.digest-window", "PT2S", "mono.shutdown.timeout", "1m30s",
                "mono.retention.events", "0", "mono.http.request-timeout", "PT0.5S"));
        assertEquals(2_000, settings.alerts().digestWindowMs());
        assertEquals(90_000, settings.operations().shutdownTimeoutMs());
        assertEquals(0, settings.retentionMs(), "mono.retention.events=0 is documented: keep every event");
        assertEquals(500, settings.http().requestTimeoutMs());

        SettingsException wrong = assertThrows(SettingsException.class, () -> read(Map.of("mono.alerts.digest-window", "soon")));
        assertTrue(wrong.getMessage().startsWith("mono.alerts.digest-window must be a duration such as"), wrong.getMessage());
        SettingsException tooShort = assertThrows(SettingsException.class, () -> read(Map.of("mono.http.idle-timeout", "0")));
        assertTrue(tooShort.getMessage().contains("at least 100ms"), tooShort.getMessage());
    }

    @Test
    void theWebhookWorkerThreadsDefaultTo64AndMustBePositive() {
        assertEquals(64, read(Map.of()).http().workerThreads(), "Vert.x's own 20 capped a group commit");
        assertEquals(128, read(Map.of("mono.http.worker-threads", "128")).http().workerThreads());
        SettingsException none = assertThrows(SettingsException.class, () -> read(Map.of("mono.http.worker-threads", "0")));
        assertTrue(none.getMessage().startsWith("mono.http.worker-threads"), none.getMessage());
    }

    @Test
    void anUnknownMonoKeyOrEnvironmentVariableStopsTheStartWithTheClosestKnownOne() {
        KnownKeys known = KnownKeys.packaged();
        SettingsException inFile = assertThrows(SettingsException.class,
                () -> known.requireKnown(java.util.Set.of("mono.webhook.secert", "camel.anything.goes"), Map.of()));
        assertEquals("mono.webhook.secert is not a setting of the gateway; did you mean mono.webhook.secret?", inFile.getMessage());
        SettingsException inEnvironment = assertThrows(SettingsException.class,
                () -> known.requireKnown(java.util.Set.of(), Map.of("MONO_PROCESING_WORKERS", "2", "PATH", "/bin")));
        assertEquals("environment variable MONO_PROCESING_WORKERS is not a setting of the gateway; did you mean"
                + " MONO_PROCESSING_WORKERS?", inEnvironment.getMessage());
        // A key of an earlier version says what replaced it, in a file or as a variable.
        SettingsException retired = assertThrows(SettingsException.class,
                () -> known.requireKnown(java.util.Set.of(), Map.of("MONO_PROCESSING_BURST_RATE", "3000")));
        assertTrue(retired.getMessage().startsWith("mono.processing.burst-rate is no longer a setting of the gateway")
                && retired.getMessage().contains("mono.processing.workers-under-load"), retired.getMessage());
        // Known keys, each destination's own keys, and anything outside mono. pass.
        known.requireKnown(java.util.Set.of("mono.webhook.secret", "mono.forward.erp.uri", "mono.forward.erp-2.max-age",
                "camel.component.kafka.brokers"), Map.of("MONO_WEBHOOK_SECRET", "x", "MONO_FORWARD_ERP_URI", "log:x",
                "MONO_FORWARD_ERP_2_INITIAL_BACKOFF", "1s", "HOME", "/root"));
    }

    @Test
    void withoutASecretKeyNothingCallsMonosApiAndRequiredVerificationRefusesToStart() {
        GatewaySettings.MonoApi off = read(Map.of()).monoApi();
        assertEquals(false, off.enabled());
        assertEquals(GatewaySettings.VerifyMode.OFF, off.verification(), "record is the default only once a key is set");
        GatewaySettings.MonoApi on = read(Map.of("mono.api.secret-key", "live_sk_x")).monoApi();
        assertEquals(GatewaySettings.VerifyMode.RECORD, on.verification());

        SettingsException required = assertThrows(SettingsException.class, () -> read(Map.of("mono.verify.payments", "required")));
        assertTrue(required.getMessage().startsWith("mono.verify.payments=required needs mono.api.secret-key"), required.getMessage());
        SettingsException mode = assertThrows(SettingsException.class, () -> read(Map.of("mono.verify.payments", "strict")));
        assertTrue(mode.getMessage().contains("off, record, required"), mode.getMessage());
        SettingsException url = assertThrows(SettingsException.class, () -> read(Map.of("mono.api.base-url", "api.withmono.com")));
        assertTrue(url.getMessage().startsWith("mono.api.base-url must be an http(s) URL"), url.getMessage());
    }

    @Test
    void anIdentityNumberIsKeptAsItsLastFourOrNotAtAll() {
        assertEquals("*******5678", com.monogateway.event.EventFields.identity("22212345678", true));
        assertEquals("1234", com.monogateway.event.EventFields.identity("1234", true), "Mono often sends only the last 4");
        assertEquals(null, com.monogateway.event.EventFields.identity("22212345678", false));
        assertEquals(false, read(Map.of("mono.accounts.store-identity", "none")).monoApi().maskIdentity());
        assertThrows(SettingsException.class, () -> read(Map.of("mono.accounts.store-identity", "full")));
    }
}
