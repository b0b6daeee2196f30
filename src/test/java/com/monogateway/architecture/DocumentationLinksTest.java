package com.monogateway.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README is short and links the reference pages in {@code docs/}: every page is reachable from it, and every
 * link between them (file and heading) leads somewhere, so moving a section cannot leave a reader at a dead end.
 */
class DocumentationLinksTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6} (.+)$");

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
    static String anchor(String heading) {
        return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    private static Set<String> anchors(Path page) throws IOException {
        String text = Files.readString(page).replaceAll("(?s)```.*?```", ""); // a "# comment" in a code block is no heading
        Set<String> anchors = new TreeSet<>();
        Matcher m = HEADING.matcher(text);
        while (m.find()) {
            anchors.add(anchor(m.group(1)));
        }
        return anchors;
    }

    @Test
    void everyLinkLeadsToAFileAndHeadingThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            Matcher m = LINK.matcher(Files.readString(page));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(page + ": " + target + " (no such file)");
                } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
                    broken.add(page + ": " + target + " (no such heading)");
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void everyReferencePageIsLinkedFromTheReadme() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Set<String> unlinked = pages().stream().skip(1).map(p -> "docs/" + p.getFileName())
                .filter(p -> !readme.contains("](" + p + ")") && !readme.contains("](" + p + "#"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), unlinked);
    }

    @Test
    void anchorsAreGitHubs() {
        assertEquals("for-architects-delivery-to-your-esb", anchor("For architects: delivery to your ESB"));
        assertEquals("the-three-modes-monoverifypayments", anchor("The three modes (`mono.verify.payments`)"));
    }
}
