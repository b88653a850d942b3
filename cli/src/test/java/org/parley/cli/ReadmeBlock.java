package org.parley.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fenced block of README.md between marker comments ({@code <!-- NAME:begin ... -->} and
 * {@code <!-- NAME:end -->}), for the tests that run exactly the configuration the README gives an
 * operator (nginx, HAProxy), so that the README cannot drift from what is tested.
 */
final class ReadmeBlock {
    private ReadmeBlock() {
    }

    /** The text of the one {@code ```language} block between the {@code marker} comments. */
    static String read(String marker, String language) throws IOException {
        String readme = Files.readString(readme());
        String begin = "<!-- " + marker + ":begin";
        String end = "<!-- " + marker + ":end -->";
        int from = readme.indexOf(begin);
        int to = readme.indexOf(end);
        if (from < 0 || to < from) {
            throw new AssertionError("README.md has no " + marker + " markers around its " + language + " block");
        }
        String marked = readme.substring(readme.indexOf('\n', from) + 1, to).strip();
        String fence = "```" + language + "\n";
        if (!marked.startsWith(fence) || !marked.endsWith("```")) {
            throw new AssertionError("the README's " + marker + " markers must hold one ```" + language + " block, found:\n" + marked);
        }
        return marked.substring(fence.length(), marked.length() - 3);
    }

    /** README.md of the checkout: Maven runs the test in cli/, an IDE perhaps in the root. */
    private static Path readme() {
        for (Path folder = Path.of("").toAbsolutePath(); folder != null; folder = folder.getParent()) {
            if (Files.isRegularFile(folder.resolve("README.md")) && Files.isDirectory(folder.resolve("cli"))) {
                return folder.resolve("README.md");
            }
        }
        throw new AssertionError("no README.md above " + Path.of("").toAbsolutePath());
    }
}
