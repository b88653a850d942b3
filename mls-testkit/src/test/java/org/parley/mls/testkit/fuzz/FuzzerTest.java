package org.parley.mls.testkit.fuzz;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The fuzzer reports each kind of broken rule, and minimizes what it reports. */
class FuzzerTest {
    private static FuzzTarget target(String name, java.util.function.Consumer<byte[]> run) {
        return new FuzzTarget() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void run(byte[] input) {
                run.accept(input);
            }
        };
    }

    private static Fuzzer.Report fuzz(FuzzTarget target, long inputs) {
        return new Fuzzer(List.of(new FuzzSeed(target, new byte[] {1, 2, 3, 4, 5, 6, 7, 8})), 1, Duration.ofSeconds(2))
                .run(inputs, 0, line -> { });
    }

    @Test
    void anUntypedExceptionIsAFindingWithAMinimizedInput() {
        FuzzTarget target = target("untyped", input -> {
            for (byte b : input) {
                if (b == 0) {
                    throw new IllegalStateException("zero byte");
                }
            }
            throw new DecodeException("fine", 0);
        });
        Fuzzer.Report report = fuzz(target, 2_000);
        assertThat(report.findings()).hasSize(1);
        Fuzzer.Finding finding = report.findings().get(0);
        assertThat(finding.signature()).startsWith("java.lang.IllegalStateException");
        assertThat(finding.inputHex()).isEqualTo("00");
    }

    @Test
    void typedRejectionsAreClean() {
        FuzzTarget target = target("decoder", input -> TlsReader.decodeExactly(input, TlsReader::readOpaque, "opaque"));
        Fuzzer.Report report = fuzz(target, 2_000);
        assertThat(report.findings()).isEmpty();
        assertThat(report.clean()).isTrue();
        assertThat(report.inputs()).isEqualTo(2_000);
    }

    @Test
    void anAllocationFarBeyondTheInputIsAFinding() {
        FuzzTarget target = target("allocating", input -> {
            byte[] large = new byte[64 * 1024 * 1024];
            large[input.length % large.length] = 1;
            throw new DecodeException("allocated " + large.length, 0);
        });
        Fuzzer.Report report = fuzz(target, 5);
        assertThat(report.findings()).extracting(Fuzzer.Finding::signature).containsExactly("allocation");
    }

    @Test
    void aHangStopsTheRunWithAFinding() {
        FuzzTarget target = target("hanging", input -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Fuzzer.Report report = fuzz(target, 10);
        assertThat(report.completed()).isFalse();
        assertThat(report.findings()).extracting(Fuzzer.Finding::signature).containsExactly("hang");
    }

    @Test
    void mutationsAreDeterministicForASeed() {
        List<byte[]> donors = List.of(new byte[] {0x40, 0x05, 1, 2, 3, 4, 5}, new byte[] {9, 9});
        byte[] first = new Mutator(new Random(7)).mutate(donors.get(0), donors);
        byte[] second = new Mutator(new Random(7)).mutate(donors.get(0), donors);
        assertThat(first).isEqualTo(second);
    }

    @Test
    void varintsAreEncodedMinimallyOrOneSizeTooLarge() {
        assertThat(Mutator.encodeVarint(37, false)).containsExactly(0x25);
        assertThat(Mutator.encodeVarint(15293, false)).containsExactly(0x7b, 0xbd);
        assertThat(Mutator.encodeVarint(37, true)).containsExactly(0x40, 0x25);
        assertThat(Mutator.encodeVarint(494878333, false)).containsExactly(0x9d, 0x7f, 0x3e, 0x7d);
    }
}
