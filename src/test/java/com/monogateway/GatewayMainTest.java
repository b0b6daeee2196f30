package com.monogateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command line's own answers: usage, version, and a mistyped option. */
class GatewayMainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int answer(String... args) {
        return GatewayMain.answerOptions(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).orElse(-1);
    }

    @Test
    void helpAndVersionAnswerAndExitZero() {
        assertEquals(0, answer("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: java -jar mono-webhook-gateway.jar"), out.toString());
        out.reset();
        assertEquals(0, answer("--version"));
        String version = out.toString(StandardCharsets.UTF_8);
        assertTrue(version.startsWith("mono-webhook-gateway ") && version.contains("Apache Camel 4.22"), version);
    }

    @Test
    void noArgumentRunsTheGatewayAndAMistypedOptionIsRefused() {
        assertEquals(-1, answer(), "no option: the gateway runs");
        assertEquals(2, answer("--hlep"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--hlep'"), err.toString());
    }
}
