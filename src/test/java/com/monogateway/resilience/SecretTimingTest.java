package com.monogateway.resilience;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.SecretMatcher;
import com.monogateway.support.RunningGateway;
import java.net.http.HttpRequest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The time to refuse a wrong secret must not tell how many of its leading characters were right.
 * Measured twice: the comparison itself (interleaved, many rounds, so noise cancels out), and whole
 * HTTP requests, whose medians are reported in the test output.
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

    @Test
    void reportsWholeRequestTimesByMatchingPrefix() {
        try (RunningGateway gateway = RunningGateway.start()) {
            String secret = RunningGateway.SECRET;
            String[] candidates = {"X" + secret.substring(1), secret.substring(0, secret.length() - 1) + "X"};
            long[][] samples = new long[candidates.length][300];
            for (int i = 0; i < 300; i++) {
                for (int c = 0; c < candidates.length; c++) {
                    long start = System.nanoTime();
                    int status = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                            .header("mono-webhook-secret", candidates[c])
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode();
                    samples[c][i] = System.nanoTime() - start;
                    assertTrue(status == 401);
                }
            }
            for (long[] s : samples) {
                Arrays.sort(s);
            }
            System.out.printf("wrong secret over HTTP, median and p90 in microseconds: first char wrong %d / %d, last char wrong %d / %d%n",
                    samples[0][150] / 1_000, samples[0][270] / 1_000, samples[1][150] / 1_000, samples[1][270] / 1_000);
        }
    }
}
