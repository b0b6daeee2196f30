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
        long[][] rounds = new long[candidates.length][40];
        for (int warm = 0; warm < 200_000; warm++) {
            matcher.accepts(candidates[warm % candidates.length]);
        }
        for (int round = 0; round < 40; round++) {
            for (int k = 0; k < candidates.length; k++) {
                int c = (k + round) % candidates.length; // rotate, so no candidate always goes first
                long start = System.nanoTime();
                for (int i = 0; i < 5_000; i++) {
                    matcher.accepts(candidates[c]);
                }
                rounds[c][round] = System.nanoTime() - start;
            }
        }
        long[] nanos = new long[candidates.length]; // median round: a GC or JIT pause in one round does not count
        for (int c = 0; c < candidates.length; c++) {
            Arrays.sort(rounds[c]);
            nanos[c] = rounds[c][20] * 40;
        }
        long min = Arrays.stream(nanos).min().orElseThrow();
        long max = Arrays.stream(nanos).max().orElseThrow();
        System.out.printf("secret comparison, ns per call by matching prefix (0, half, all but one): %.0f %.0f %.0f%n",
                nanos[0] / 200_000.0, nanos[1] / 200_000.0, nanos[2] / 200_000.0);
        assertTrue(max < min * 1.5, "timing depends on the matching prefix: " + Arrays.toString(nanos));
    }
}
