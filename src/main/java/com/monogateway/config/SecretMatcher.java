package com.monogateway.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Checks a presented secret (the {@code mono-webhook-secret} header, the admin bearer token) against
 * the configured ones (several during a rotation). Both sides are hashed first so that the comparison takes the same time whatever the
 * length or the number of leading characters that match, and every secret is always compared.
 */
public final class SecretMatcher {

    private final List<byte[]> expectedDigests;

    public SecretMatcher(List<String> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is required");
        }
        this.expectedDigests = secrets.stream().map(SecretMatcher::digest).toList();
    }

    public boolean accepts(String presented) {
        byte[] candidate = digest(presented == null ? "" : presented);
        boolean match = false;
        for (byte[] expected : expectedDigests) {
            // No short-circuit: the time must not tell which secret (or whether any) matched.
            match |= MessageDigest.isEqual(expected, candidate);
        }
        return match && presented != null;
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
