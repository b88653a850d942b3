package org.parley.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The .deb this build made: the one parley_VERSION_all.deb in the module's target folder. */
final class BuiltPackage {
    private static final Pattern NAME = Pattern.compile("parley_(.+)_all\\.deb");

    private BuiltPackage() {
    }

    static Path file() {
        Path folder = Path.of(System.getProperty("parley.deb.folder", "target"));
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> debs = files.filter(file -> NAME.matcher(file.getFileName().toString()).matches()).toList();
            assertThat(debs).as("exactly one parley_*_all.deb in %s (run the package phase first)", folder).hasSize(1);
            return debs.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    /** The Debian version in the file's name, which must be the one in its control file. */
    static String version() {
        Matcher name = NAME.matcher(file().getFileName().toString());
        assertThat(name.matches()).isTrue();
        return name.group(1);
    }

    /** The command-line jar the package must carry. */
    static Path cliJar() {
        return Path.of(System.getProperty("parley.cli.jar"));
    }

    /** The package rebuilt with another version, as a newer release would be: dpkg-deb -R, edit, -b. */
    static Path withVersion(String newVersion, Path work) throws IOException {
        Path tree = Files.createDirectories(work).resolve("tree");
        Commands.run("dpkg-deb", "-R", file().toString(), tree.toString()).ok();
        Path control = tree.resolve("DEBIAN/control");
        String fields = Files.readString(control);
        assertThat(fields).containsPattern("(?m)^Version: ");
        Files.writeString(control, fields.replaceFirst("(?m)^Version: .*$", "Version: " + Matcher.quoteReplacement(newVersion)));
        Path rebuilt = work.resolve("parley_" + newVersion + "_all.deb");
        Commands.run(Duration.ofMinutes(5), List.of("dpkg-deb", "--root-owner-group", "-b", tree.toString(), rebuilt.toString())).ok();
        return rebuilt;
    }
}
