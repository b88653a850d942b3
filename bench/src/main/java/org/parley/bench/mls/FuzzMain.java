package org.parley.bench.mls;

import org.parley.mls.testkit.fuzz.FuzzCorpus;
import org.parley.mls.testkit.fuzz.FuzzSeed;
import org.parley.mls.testkit.fuzz.Fuzzer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The long fuzz run of issue 4 over every MLS decoder and the validation targets
 * ({@link org.parley.mls.testkit.fuzz.Fuzzer}), seeded from the official vectors. Run it with a small
 * heap (-Xmx256m) so an input that allocates what it does not hold fails loudly. Prints every
 * finding with its minimized input as hex and exits 1 if the run was not clean.
 *
 * <p>Run as {@code parley bench fuzz}.
 */
@Command(name = "fuzz",
        description = {"Fuzzes the MLS decoders and validation with mutations of the official vectors.",
                "Every decoder and validation target gets mutations of the vectors' messages and must accept or reject"
                + " them cleanly. Prints each finding with its minimized input as hex; the exit code is 1 if there was one.",
                "Run it with a small heap (PARLEY_JAVA_OPTS=-Xmx256m) so that an input that over-allocates fails loudly."})
public final class FuzzMain implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--inputs", defaultValue = "1000000", paramLabel = "N", description = "Inputs to run (default ${DEFAULT-VALUE}).")
    long inputs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Random seed of the mutations (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vectors", defaultValue = "../shared/vectors/mls", paramLabel = "DIR",
            description = "The official MLS vector folder, holding messages.json (default ${DEFAULT-VALUE}).")
    Path vectors;

    @Option(names = "--limit-ms", defaultValue = "10000", paramLabel = "MS",
            description = "Longest time one input may take before it counts as a hang (default ${DEFAULT-VALUE}).")
    long limitMillis;

    @Override
    public Integer call() {
        if (inputs < 1 || limitMillis < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--inputs and --limit-ms must be at least 1");
        }
        if (!Files.isRegularFile(vectors.resolve("messages.json"))) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    vectors + " holds no messages.json; pass the MLS vector folder with --vectors");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<FuzzSeed> seeds = FuzzCorpus.load(vectors);
        out.printf("MLS fuzz: %,d seeds from %s, %,d inputs, random seed %d, max heap %,d MiB%n",
                seeds.size(), vectors, inputs, seed, Runtime.getRuntime().maxMemory() >> 20);
        Fuzzer.Report report = new Fuzzer(seeds, seed, Duration.ofMillis(limitMillis))
                .run(inputs, Math.max(1, inputs / 20), line -> out.println("  " + line));
        out.println(report.summary());
        report.inputsPerTarget().forEach((target, count) -> out.printf("  %-26s %,d%n", target, count));
        for (Fuzzer.Finding finding : report.findings()) {
            out.printf("FINDING %s: %s (%,d times)%n  minimized input: %s%n", finding.target(), finding.detail(),
                    finding.occurrences(), finding.inputHex());
        }
        return report.clean() ? 0 : 1;
    }
}
