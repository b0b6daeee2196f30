package com.monogateway.resilience;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.SecretMatcher;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The time to refuse a wrong secret must not tell how many of its leading characters were right.
 * Measured here on the comparison itself (interleaved, many rounds, so noise cancels out); whole HTTP
 * requests against the packaged jar are measured by the resilience suite (ResilienceSuiteIT).
 */
class SecretTimingTest {

    private static final String SECRET = "whsec_8f14e45fceea167a5a36dedd4bea2543";

    @Test
    void refusingAWrongSecretTakesTheSameTimeWhateverPrefixMatches() {
        SecretMatcher matcher = new SecretMatcher(List.of(SECRET, "old_" + SECRET));
        String[] candidates = {
            "X" + SECRET.substring(1),                          // first character wrong
            SECRET.substring(0, SECRET.length() / 2) + "X".repeat(SECRET.length() / 2 + SECRET.length() % 2),
            SECRET.substring(0, SECRET.length() - 1) + "X",     // only the last character wrong
        };
        long[] nanos = new long[candidates.length];
        for (int warm = 0; warm < 200_000; warm++) {
            matcher.accepts(candidates[warm % candidates.length]);
        }
        for (int round = 0; round < 40; round++) {
            for (int c = 0; c < candidates.length; c++) {
                long start = System.nanoTime();
                for (int i = 0; i < 5_000; i++) {
                    matcher.accepts(candidates[c]);
                }
                nanos[c] += System.nanoTime() - start;
            }
        }
        long min = Arrays.stream(nanos).min().orElseThrow();
        long max = Arrays.stream(nanos).max().orElseThrow();
        System.out.printf("secret comparison, ns per call by matching prefix (0, half, all but one): %.0f %.0f %.0f%n",
                nanos[0] / 200_000.0, nanos[1] / 200_000.0, nanos[2] / 200_000.0);
        assertTrue(max < min * 1.5, "timing depends on the matching prefix: " + Arrays.toString(nanos));
    }
}
