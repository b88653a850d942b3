package org.parley.mls.testkit.vectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "Vector Deserialization" type of test-vectors.md, whose file upstream does not ship: the
 * file is built here (values from RFC 9420 Section 2.1.2's examples) and run through the runner.
 */
class DeserializationVectorsTest {

    @TempDir
    Path dir;

    @Test
    void headersDecodeToTheirLengths() throws Exception {
        Path file = dir.resolve("deserialization.json");
        Files.writeString(file, """
                [{"vlbytes_header": "00", "length": 0},
                 {"vlbytes_header": "25", "length": 37},
                 {"vlbytes_header": "3f", "length": 63},
                 {"vlbytes_header": "4040", "length": 64},
                 {"vlbytes_header": "7bbd", "length": 15293},
                 {"vlbytes_header": "80004000", "length": 16384},
                 {"vlbytes_header": "9d7f3e7d", "length": 494878333},
                 {"vlbytes_header": "bfffffff", "length": 1073741823}]""");
        VectorReport report = VectorRunner.mls().run(file);
        System.out.println(report.summary());
        assertThat(report.failures()).isEmpty();
        assertThat(report.passed()).isEqualTo(8);
    }

    @Test
    void wrongLengthsAndMalformedHeadersFail() throws Exception {
        Path file = dir.resolve("deserialization.json");
        Files.writeString(file, """
                [{"vlbytes_header": "25", "length": 36},
                 {"vlbytes_header": "4025", "length": 37},
                 {"vlbytes_header": "c000000000000000", "length": 0},
                 {"vlbytes_header": "2500", "length": 37},
                 {"vlbytes_header": "40", "length": 0}]""");
        VectorReport report = VectorRunner.mls().run(file);
        assertThat(report.passed()).isZero();
        assertThat(report.failed()).isEqualTo(5);
        assertThat(report.failures().get(0)).contains("length differs");
        assertThat(report.failures().get(1)).contains("not minimally encoded");
        assertThat(report.failures().get(2)).contains("prefix 0b11");
        assertThat(report.failures().get(3)).contains("unexpected bytes after vlbytes_header");
        assertThat(report.failures().get(4)).contains("truncated");
    }
}
