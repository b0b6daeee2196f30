import com.monogateway.config.SecretMatcher;
import java.util.Arrays;
import java.util.List;

/**
 * How long refusing a wrong secret takes, by how many of its leading characters are right (0, half, all
 * but one): a figure, not a test (SecretMatcherTest shows on the comparison itself why it cannot depend on
 * the prefix). Run: bench/secret-timing.sh (after mvn package). Noise (another process, GC, JIT) only adds
 * time, so each candidate's fastest round of 40 is printed, interleaved.
 */
public final class SecretTiming {

    private static final String SECRET = "whsec_8f14e45fceea167a5a36dedd4bea2543";
    private static final int CALLS = 5_000;

    public static void main(String[] args) {
        SecretMatcher matcher = new SecretMatcher(List.of(SECRET, "old_" + SECRET));
        String[] candidates = {
            "X" + SECRET.substring(1),
            SECRET.substring(0, SECRET.length() / 2) + "X".repeat(SECRET.length() / 2 + SECRET.length() % 2),
            SECRET.substring(0, SECRET.length() - 1) + "X",
        };
        for (int warm = 0; warm < 200_000; warm++) {
            matcher.accepts(candidates[warm % candidates.length]);
        }
        for (int attempt = 1; attempt <= 3; attempt++) {
            long[] fastest = new long[candidates.length];
            Arrays.fill(fastest, Long.MAX_VALUE);
            for (int round = 0; round < 40; round++) {
                for (int k = 0; k < candidates.length; k++) {
                    int c = (k + round) % candidates.length; // rotate, so no candidate always goes first
                    long start = System.nanoTime();
                    for (int i = 0; i < CALLS; i++) {
                        matcher.accepts(candidates[c]);
                    }
                    fastest[c] = Math.min(fastest[c], System.nanoTime() - start);
                }
            }
            double spread = (double) Arrays.stream(fastest).max().orElseThrow() / Arrays.stream(fastest).min().orElseThrow();
            System.out.printf("attempt %d: ns per refusal with 0 / half / all but one leading characters right: %.0f / %.0f / %.0f"
                    + " (spread %.2f)%n", attempt, fastest[0] / (double) CALLS, fastest[1] / (double) CALLS,
                    fastest[2] / (double) CALLS, spread);
        }
    }
}
