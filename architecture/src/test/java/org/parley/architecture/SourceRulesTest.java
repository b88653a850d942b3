package org.parley.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Rules read off the source folders: every package says what it is, and the client's classes stay small. */
class SourceRulesTest {
    private static final Path ROOT = Path.of(System.getProperty("parley.root", "..")).toAbsolutePath().normalize();
    private static final int CLIENT_CLASS_LINE_LIMIT = 400;

    @Test
    void everyPackageHasAPackageInfo() {
        List<Path> packagesWithout = sourceFolders()
                .flatMap(SourceRulesTest::packageFolders)
                .filter(folder -> !Files.exists(folder.resolve("package-info.java")))
                .map(ROOT::relativize)
                .sorted()
                .collect(Collectors.toList());

        assertThat(packagesWithout)
                .as("packages without a package-info.java (one paragraph: what lives here, which RFC section)")
                .isEmpty();
    }

    @Test
    void noClientClassIsOverTheLineLimit() {
        List<String> tooLong = javaFiles(ROOT.resolve("client/src/main/java"))
                .filter(file -> lineCount(file) > CLIENT_CLASS_LINE_LIMIT)
                .map(file -> ROOT.relativize(file) + " (" + lineCount(file) + " lines)")
                .sorted()
                .collect(Collectors.toList());

        assertThat(tooLong)
                .as("client classes over %d lines: split them by what they do", CLIENT_CLASS_LINE_LIMIT)
                .isEmpty();
    }

    private static Stream<Path> sourceFolders() {
        try (Stream<Path> modules = Files.list(ROOT)) {
            List<Path> folders = modules.map(module -> module.resolve("src/main/java"))
                    .filter(Files::isDirectory)
                    .collect(Collectors.toList());
            assertThat(folders).as("source folders under %s", ROOT).isNotEmpty();
            return folders.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Folders that hold at least one Java source file. */
    private static Stream<Path> packageFolders(Path sourceFolder) {
        return javaFiles(sourceFolder).map(Path::getParent).distinct();
    }

    private static Stream<Path> javaFiles(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(file -> file.toString().endsWith(".java"))
                    .collect(Collectors.toList()).stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long lineCount(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
