package org.parley.cli;

import org.parley.mls.testkit.sframe.SFrameVectors;
import org.parley.mls.testkit.vectors.VectorReport;
import org.parley.mls.testkit.vectors.VectorRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code parley vectors mls|hpke|sframe FILE...}: runs official test-vector files against
 * Parley's MLS, HPKE and SFrame code and prints one summary line per file. Exits 1 if any case failed or a file
 * could not be run.
 */
@Command(name = "vectors",
        description = {"Check official test vectors: MLS (mls-implementations' files, by name), HPKE (RFC 9180 test-vectors.json)"
                + " or SFrame (RFC 9605 test-vectors.json).",
                "Prints 'FILE: N passed, M failed' per file; exits 1 if any case failed or a file is not recognised."})
final class VectorsCommand implements Callable<Integer> {
    /** How many failure messages to show per file. */
    private static final int SHOWN_FAILURES = 5;

    enum Kind { mls, hpke, sframe }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "mls, hpke or sframe")
    Kind kind;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "vector files (JSON)")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        VectorRunner runner = kind == Kind.mls ? VectorRunner.mls() : VectorRunner.hpke();
        boolean ok = true;
        for (Path file : files) {
            if (kind != Kind.sframe && runner.suiteFor(file).isEmpty()) {
                err.println("parley: " + file + " is not a recognised " + kind + " vector file; known names: "
                        + String.join(", ", runner.knownFiles()));
                ok = false;
                continue;
            }
            if (!Files.isRegularFile(file)) {
                err.println("parley: " + file + " does not exist or is not a file");
                ok = false;
                continue;
            }
            try {
                VectorReport report = kind == Kind.sframe ? SFrameVectors.run(file) : runner.run(file);
                out.println(report.summary());
                report.failures().stream().limit(SHOWN_FAILURES).forEach(f -> out.println("  " + f));
                if (report.failures().size() > SHOWN_FAILURES) {
                    out.println("  … " + (report.failures().size() - SHOWN_FAILURES) + " more failures");
                }
                ok &= report.ok();
            } catch (IOException e) {
                err.println("parley: cannot read " + file + ": " + e.getMessage());
                ok = false;
            }
        }
        out.flush();
        return ok ? 0 : 1;
    }
}
