package com.monogateway.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretMatcherTest {

    private final SecretMatcher secrets = new SecretMatcher(List.of("old-secret", "new-secret"));

    @Test
    void acceptsAnyConfiguredSecretExactly() {
        assertTrue(secrets.accepts("old-secret"));
        assertTrue(secrets.accepts("new-secret"));
        assertFalse(secrets.accepts("new-secret "));
        assertFalse(secrets.accepts("NEW-SECRET"));
        assertFalse(secrets.accepts("new-secre"));
        assertFalse(secrets.accepts(""));
        assertFalse(secrets.accepts(null));
    }

    @Test
    void needsAtLeastOneSecret() {
        assertThrows(IllegalArgumentException.class, () -> new SecretMatcher(List.of()));
    }
}
