package com.monogateway.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Feature packages depend on each other in one direction only: a reader can follow a package's imports
 * without coming back to where they started. (The root package assembles everything and is left out.)
 */
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src/main/java/com/monogateway");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import com\\.monogateway\\.([a-z]+)\\.");

    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path relative = SOURCES.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue; // the root package: Gateway, GatewayMain
                }
                String feature = relative.getName(0).toString();
                Set<String> uses = graph.computeIfAbsent(feature, f -> new TreeSet<>());
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(feature)) {
                        uses.add(m.group(1));
                    }
                }
            }
        }
        return graph;
    }

    @Test
    void noFeaturePackageReachesItselfThroughItsImports() throws IOException {
        Map<String, Set<String>> graph = dependencies();
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            findCycle(graph, start, start, new ArrayList<>(List.of(start)), new TreeSet<>(), cycles);
        }
        assertEquals(List.of(), cycles, "import cycles between feature packages; the graph: " + graph);
    }

    private static void findCycle(Map<String, Set<String>> graph, String start, String at, List<String> path, Set<String> seen,
            List<String> cycles) {
        for (String next : graph.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                cycles.add(String.join(" -> ", path) + " -> " + start);
            } else if (seen.add(next)) {
                path.add(next);
                findCycle(graph, start, next, path, seen, cycles);
                path.remove(path.size() - 1);
            }
        }
    }
}
