package com.monogateway.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Checks a presented secret (the {@code mono-webhook-secret} header, the admin bearer token) against
 * the configured ones (several during a rotation). Both sides are hashed first so that the comparison takes the same time whatever the
 * length or the number of leading characters that match, and every secret is always compared.
 */
public final class SecretMatcher {

    // A digest per thread, reused: looking one up among the security providers cost more than hashing a secret.
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    });

    private final List<byte[]> expectedDigests;
    private final BiPredicate<byte[], byte[]> equal;

    public SecretMatcher(List<String> secrets) {
        // The JDK's comparison of digests: its time depends on the length of the first argument only.
        this(secrets, MessageDigest::isEqual);
    }

    /** {@code equal}: how two digests are compared (tests watch what is compared). */
    SecretMatcher(List<String> secrets, BiPredicate<byte[], byte[]> equal) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is required");
        }
        this.expectedDigests = secrets.stream().map(SecretMatcher::digest).toList();
        this.equal = equal;
    }

    public boolean accepts(String presented) {
        byte[] candidate = digest(presented == null ? "" : presented);
        boolean match = false;
        for (byte[] expected : expectedDigests) {
            // No short-circuit: the time must not tell which secret (or whether any) matched.
            match |= equal.test(expected, candidate);
        }
        return match && presented != null;
    }

    private static byte[] digest(String value) {
        return SHA_256.get().digest(value.getBytes(StandardCharsets.UTF_8)); // digest() also resets it for the next use
    }
}
