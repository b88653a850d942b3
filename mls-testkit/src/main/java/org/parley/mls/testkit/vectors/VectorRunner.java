package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.parley.mls.testkit.vectors.HpkeVectors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Runs official vector files. The vector type is recognised by the upstream file name, as
 * mls-implementations names its files; every case of a file is run and counted.
 */
public final class VectorRunner {
    /** Known MLS vector types by upstream file name. Suites register here as they are implemented. */
    private static final List<VectorSuite> MLS_SUITES = List.of(
            new TreeMathVectors(),
            new CryptoBasicsVectors(),
            new SecretTreeVectors(),
            new KeyScheduleVectors(),
            new PskSecretVectors(),
            new TranscriptHashesVectors(),
            new MessageProtectionVectors(),
            new DeserializationVectors(),
            new MessagesVectors(),
            new TreeOperationsVectors(),
            new TreeValidationVectors(),
            new TreeKemVectors(),
            new WelcomeVectors(),
            new PassiveClientVectors("passive-client-welcome.json"),
            new PassiveClientVectors("passive-client-handling-commit.json"),
            new PassiveClientVectors("passive-client-random.json"));

    /** The HPKE (RFC 9180) vectors. */
    private static final List<VectorSuite> HPKE_SUITES = List.of(new HpkeVectors());

    private final Map<String, VectorSuite> suites;

    private VectorRunner(List<VectorSuite> suites) {
        this.suites = suites.stream().collect(Collectors.toMap(VectorSuite::fileName, Function.identity()));
    }

    public static VectorRunner mls() {
        return new VectorRunner(MLS_SUITES);
    }

    public static VectorRunner hpke() {
        return new VectorRunner(HPKE_SUITES);
    }

    public Optional<VectorSuite> suiteFor(Path file) {
        return Optional.ofNullable(suites.get(file.getFileName().toString()));
    }

    /** Names this runner recognises, for error messages. */
    public List<String> knownFiles() {
        return suites.keySet().stream().sorted().toList();
    }

    /**
     * Runs every case in the file. Throws {@link IllegalArgumentException} when the file name is
     * not a known vector type and {@link IOException} when it cannot be read or is not a JSON array.
     */
    public VectorReport run(Path file) throws IOException {
        VectorSuite suite = suiteFor(file).orElseThrow(() -> new IllegalArgumentException(
                "not a recognised vector file: " + file.getFileName() + " (known: " + String.join(", ", knownFiles()) + ")"));
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (root == null || !root.isArray()) {
            throw new IOException(file + " is not a JSON array of test cases");
        }
        int passed = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            try {
                suite.verify(root.get(i));
                passed++;
            } catch (Exception | AssertionError e) {
                failures.add("case " + i + ": " + e);
            }
        }
        return new VectorReport(file.getFileName().toString(), passed, failures.size(), failures);
    }
}
