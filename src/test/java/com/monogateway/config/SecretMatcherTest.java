package com.monogateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * What makes the check constant-time, shown on the comparison itself rather than through a clock: whatever
     * is presented (nothing, a first character wrong, all but the last right, a match, a much longer value),
     * every configured secret is compared, each time as two SHA-256 digests of 32 bytes (never the text, whose
     * matching prefix a byte-by-byte comparison would betray), by the JDK's MessageDigest.isEqual, whose time
     * depends on the length of its first argument only.
     */
    @Test
    void everySecretIsAlwaysComparedAsTwoFixedLengthDigests() throws Exception {
        String secret = "whsec_8f14e45fceea167a5a36dedd4bea2543";
        List<byte[][]> compared = new java.util.ArrayList<>();
        SecretMatcher matcher = new SecretMatcher(List.of(secret, "old_" + secret), (a, b) -> {
            compared.add(new byte[][] {a, b});
            return java.security.MessageDigest.isEqual(a, b);
        });
        List<String> presented = java.util.Arrays.asList(null, "", "X" + secret.substring(1),
                secret.substring(0, secret.length() - 1) + "X", secret, "old_" + secret, secret.repeat(50));
        for (String candidate : presented) {
            compared.clear();
            boolean accepted = matcher.accepts(candidate);
            assertEquals(secret.equals(candidate) || ("old_" + secret).equals(candidate), accepted, String.valueOf(candidate));
            assertEquals(2, compared.size(), "both secrets compared, whichever matched: " + candidate);
            byte[] presentedDigest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((candidate == null ? "" : candidate).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (byte[][] pair : compared) {
                assertEquals(32, pair[0].length);
                assertEquals(32, pair[1].length);
                assertTrue(java.util.Arrays.equals(presentedDigest, pair[1]), "the presented value's digest, not its text");
            }
        }
    }

    @Test
    void needsAtLeastOneSecret() {
        assertThrows(IllegalArgumentException.class, () -> new SecretMatcher(List.of()));
    }
}
