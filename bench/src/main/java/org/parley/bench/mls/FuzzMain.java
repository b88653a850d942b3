package org.parley.bench.mls;

import org.parley.mls.testkit.fuzz.FuzzCorpus;
import org.parley.mls.testkit.fuzz.FuzzSeed;
import org.parley.mls.testkit.fuzz.Fuzzer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The long fuzz run of issue 4 over every MLS decoder and the validation targets
 * ({@link org.parley.mls.testkit.fuzz.Fuzzer}), seeded from the official vectors. Run it with a small
 * heap (-Xmx256m) so an input that allocates what it does not hold fails loudly. Prints every
 * finding with its minimized input as hex and exits 1 if the run was not clean.
 *
 * <p>Arguments: {@code [--inputs N] [--seed S] [--vectors DIR] [--limit-ms MS]}, defaults one
 * million inputs, seed 1, {@code ../shared/vectors/mls}, 10,000 ms per input.
 */
public final class FuzzMain {
    private FuzzMain() {
    }

    public static void main(String[] args) {
        long inputs = 1_000_000;
        long seed = 1;
        Path vectors = Path.of("../shared/vectors/mls");
        long limitMillis = 10_000;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--inputs" -> inputs = Long.parseLong(required(args[i], value));
                case "--seed" -> seed = Long.parseLong(required(args[i], value));
                case "--vectors" -> vectors = Path.of(required(args[i], value));
                case "--limit-ms" -> limitMillis = Long.parseLong(required(args[i], value));
                default -> usage("unknown argument " + args[i]);
            }
            i++;
        }
        if (!Files.isRegularFile(vectors.resolve("messages.json"))) {
            usage(vectors + " holds no messages.json; pass the MLS vector folder with --vectors");
        }
        List<FuzzSeed> seeds = FuzzCorpus.load(vectors);
        System.out.printf("MLS fuzz: %,d seeds from %s, %,d inputs, random seed %d, max heap %,d MiB%n",
                seeds.size(), vectors, inputs, seed, Runtime.getRuntime().maxMemory() >> 20);
        Fuzzer.Report report = new Fuzzer(seeds, seed, Duration.ofMillis(limitMillis))
                .run(inputs, Math.max(1, inputs / 20), line -> System.out.println("  " + line));
        System.out.println(report.summary());
        report.inputsPerTarget().forEach((target, count) -> System.out.printf("  %-26s %,d%n", target, count));
        for (Fuzzer.Finding finding : report.findings()) {
            System.out.printf("FINDING %s: %s (%,d times)%n  minimized input: %s%n", finding.target(), finding.detail(),
                    finding.occurrences(), finding.inputHex());
        }
        System.exit(report.clean() ? 0 : 1);
    }

    private static String required(String flag, String value) {
        if (value == null) {
            usage(flag + " needs a value");
        }
        return value;
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: FuzzMain [--inputs N] [--seed S] [--vectors DIR] [--limit-ms MS]");
        System.exit(2);
    }
}
