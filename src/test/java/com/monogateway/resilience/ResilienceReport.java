package com.monogateway.resilience;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The suite's report: one table row per scenario, written as Markdown and printed when the suite ends. */
final class ResilienceReport {

    private final Path file;
    private final List<ResilienceSuiteIT.Figures> rows = new ArrayList<>();

    ResilienceReport(Path file) {
        this.file = file;
    }

    synchronized void add(ResilienceSuiteIT.Figures figures) {
        rows.add(figures);
        System.out.println("[resilience] " + figures);
    }

    synchronized void write() {
        StringBuilder md = new StringBuilder("# Resilience suite report\n\n")
                .append("Run ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores; the packaged jar as a separate process, a real PostgreSQL and GreenMail SMTP.\n\n")
                .append("| Scenario | Sent | 200 | Stored | Processed | Dead letters | Emails | Lost |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (ResilienceSuiteIT.Figures f : rows) {
            md.append("| ").append(f.scenario()).append(" | ").append(f.sent()).append(" | ").append(f.ok()).append(" | ")
                    .append(f.stored()).append(" | ").append(f.processed()).append(" | ").append(f.deadLetters()).append(" | ")
                    .append(f.emails()).append(" | ").append(f.lost()).append(" |\n");
        }
        md.append("\nNotes:\n\n");
        for (ResilienceSuiteIT.Figures f : rows) {
            md.append("- ").append(f.scenario()).append(": ").append(f.notes()).append('\n');
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println(md);
    }
}
