package org.parley.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client uses MLS through its public API (the group layer, credentials, keys, key packages,
 * extensions), never through the framing, message or codec internals.
 */
class MlsBoundaryTest {
    private static final Pattern ALLOWED = Pattern.compile("import org\\.parley\\.mls\\.("
            + "[A-Z]\\w*|group\\.\\w+|credentials\\.\\w+|crypto\\.\\w+|keypackages\\.\\w+|extensions\\.\\w+"
            + "|codec\\.MlsProtocolException|tree\\.Lifetime|tree\\.Parallelism);");

    @Test
    void clientCodeImportsOnlyThePublicMlsApi() throws IOException {
        List<String> internal = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(source)) {
                    if (line.startsWith("import org.parley.mls.") && !ALLOWED.matcher(line).matches()) {
                        internal.add(source.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertThat(internal).isEmpty();
    }
}
