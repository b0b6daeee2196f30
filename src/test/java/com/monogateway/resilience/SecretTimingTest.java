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
        for (int warm = 0; warm < 200_000; warm++) {
            matcher.accepts(candidates[warm % candidates.length]);
        }
        // Noise (another JVM on the machine, GC, JIT) only ever adds time: take each candidate's fastest round, and
        // measure again when a busy machine still skews one attempt. A real leak shows in every attempt.
        long[] nanos = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            nanos = fastestRounds(matcher, candidates);
            System.out.printf("secret comparison, ns per call by matching prefix (0, half, all but one): %.0f %.0f %.0f%n",
                    nanos[0] / 5_000.0, nanos[1] / 5_000.0, nanos[2] / 5_000.0);
            if (spread(nanos) < 1.5) {
                break;
            }
        }
        assertTrue(spread(nanos) < 1.5, "timing depends on the matching prefix: " + Arrays.toString(nanos));
    }

    private static long[] fastestRounds(SecretMatcher matcher, String[] candidates) {
        long[] fastest = new long[candidates.length];
        Arrays.fill(fastest, Long.MAX_VALUE);
        for (int round = 0; round < 40; round++) {
            for (int k = 0; k < candidates.length; k++) {
                int c = (k + round) % candidates.length; // rotate, so no candidate always goes first
                long start = System.nanoTime();
                for (int i = 0; i < 5_000; i++) {
                    matcher.accepts(candidates[c]);
                }
                fastest[c] = Math.min(fastest[c], System.nanoTime() - start);
            }
        }
        return fastest;
    }

    private static double spread(long[] nanos) {
        return (double) Arrays.stream(nanos).max().orElseThrow() / Arrays.stream(nanos).min().orElseThrow();
    }
}
