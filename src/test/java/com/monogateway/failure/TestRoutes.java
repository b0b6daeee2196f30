package com.monogateway.failure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The production routes from routes/, plus branches that fail on purpose, the way an integration
 * team would add them: {@code test.always-fails} throws; {@code test.fixable} and the delivery route
 * {@code direct:test-esb} fail with a database error while {@code test_switch.broken} is true, and
 * {@code test.conflict} fails as if PostgreSQL had chosen it as a deadlock victim.
 */
public final class TestRoutes {

    public static final String SWITCH_TABLE = "CREATE TABLE IF NOT EXISTS test_switch (broken boolean NOT NULL); "
            + "INSERT INTO test_switch SELECT true WHERE NOT EXISTS (SELECT 1 FROM test_switch); "
            + "CREATE SEQUENCE IF NOT EXISTS test_conflict_tries";

    private static final String FAILING_BRANCHES = """
            - simple: "${header.MonoEvent} == 'test.always-fails'"
              steps:
                - throwException:
                    exceptionType: java.lang.IllegalStateException
                    message: "the test handler refuses this event"
            - simple: "${header.MonoEvent} == 'test.flaky' && ${header.CamelRedeliveryCounter} < 2"
              steps:
                - throwException:
                    exceptionType: java.lang.IllegalStateException
                    message: "flaky for the first two attempts"
            - simple: "${header.MonoEvent} == 'test.conflict'"
              steps:
                - setBody:
                    constant: "DO $$ BEGIN PERFORM nextval('test_conflict_tries'); IF (SELECT broken FROM test_switch) THEN RAISE EXCEPTION 'simulated deadlock' USING ERRCODE = 'deadlock_detected'; END IF; END $$"
                - to: jdbc:monoDb
            - simple: "${header.MonoEvent} == 'test.fixable'"
              steps:
                - setBody:
                    constant: "SELECT 1 / (CASE WHEN broken THEN 0 ELSE 1 END) FROM test_switch"
                - to: jdbc:monoDb
            """.indent(14);

    private static final String TEST_ESB = """
            - route:
                id: test-esb
                from:
                  uri: direct:test-esb
                  steps:
                    - setBody:
                        constant: "SELECT 1 / (CASE WHEN broken THEN 0 ELSE 1 END) FROM test_switch"
                    - to: jdbc:monoDb
            """;

    private TestRoutes() {
    }

    /** Copies routes/ into {@code dir} with the failing branches, and points the settings at it. */
    public static void install(Path dir, Properties settings) {
        try {
            Files.createDirectories(dir.resolve("templates"));
            try (var files = Files.newDirectoryStream(Path.of("routes"), "*.camel.yaml")) {
                for (Path file : files) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
            Path router = dir.resolve("event-router.camel.yaml");
            String yaml = Files.readString(router);
            String anchor = "            when:\n";
            if (!yaml.contains(anchor)) {
                throw new IllegalStateException("the router has changed shape: update TestRoutes");
            }
            Files.writeString(router, yaml.replace(anchor, anchor + FAILING_BRANCHES));
            Files.writeString(dir.resolve("test-esb.camel.yaml"), TEST_ESB);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        settings.setProperty("camel.main.routes-include-pattern", "file:" + dir + "/*.camel.yaml");
    }
}
