package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.parley.mls.testkit.Vectors;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

class VectorsCommandTest {

    @TempDir
    Path dir;

    /** A deserialization.json ("Vector Deserialization" of test-vectors.md) built here, as upstream ships none. */
    private Path deserializationFile(String json) throws Exception {
        Path file = dir.resolve("deserialization.json");
        Files.writeString(file, json);
        return file;
    }

    @Test
    void passingFilePrintsItsSummaryAndSucceeds() throws Exception {
        Path file = deserializationFile("""
                [{"vlbytes_header": "25", "length": 37},
                 {"vlbytes_header": "7bbd", "length": 15293},
                 {"vlbytes_header": "9d7f3e7d", "length": 494878333}]""");
        MainTest.Result r = parley("vectors", "mls", file.toString());
        assertThat(r.out()).contains("deserialization.json: 3 passed, 0 failed");
        assertThat(r.code()).isZero();
    }

    @Test
    void failedCaseIsShownAndExitsOne() throws Exception {
        Path file = deserializationFile("""
                [{"vlbytes_header": "25", "length": 37},
                 {"vlbytes_header": "25", "length": 38}]""");
        MainTest.Result r = parley("vectors", "mls", file.toString());
        assertThat(r.out()).contains("deserialization.json: 1 passed, 1 failed").contains("case 1:").contains("length differs");
        assertThat(r.code()).isEqualTo(1);
    }

    @Test
    void unrecognisedFileNameListsTheKnownNames() throws Exception {
        Path file = dir.resolve("mystery.json");
        Files.writeString(file, "[]");
        MainTest.Result r = parley("vectors", "mls", file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("mystery.json is not a recognised mls vector file")
                .contains("tree-math.json").contains("message-protection.json");
    }

    @Test
    void hpkeRunnerDoesNotAcceptMlsFiles() throws Exception {
        Path file = deserializationFile("[]");
        MainTest.Result r = parley("vectors", "hpke", file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("known names: test-vectors.json");
    }

    @Test
    void missingFileFails() {
        MainTest.Result r = parley("vectors", "mls", dir.resolve("tree-math.json").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("does not exist");
    }

    @Test
    void unknownKindIsAUsageError() {
        MainTest.Result r = parley("vectors", "srtp", "x.json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("srtp");
    }

    @Test
    void officialVectorsPass() {
        Path treeMath = Vectors.file("mls/tree-math.json");
        Path hpke = Vectors.file("hpke/test-vectors.json");
        Path sframe = Vectors.file("sframe/test-vectors.json");
        MainTest.Result mls = parley("vectors", "mls", treeMath.toString());
        assertThat(mls.out()).contains("tree-math.json: 10 passed, 0 failed");
        assertThat(mls.code()).isZero();
        MainTest.Result h = parley("vectors", "hpke", hpke.toString());
        assertThat(h.out()).contains("test-vectors.json: 128 passed, 0 failed");
        assertThat(h.code()).isZero();
        MainTest.Result s = parley("vectors", "sframe", sframe.toString());
        assertThat(s.out()).contains("test-vectors.json: 297 passed, 0 failed");
        assertThat(s.code()).isZero();
    }

    @Test
    void sframeRejectsAFileOfAnotherShape() throws Exception {
        Path file = Files.createTempFile("not-sframe", ".json");
        Files.writeString(file, "[]");
        MainTest.Result r = parley("vectors", "sframe", file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("is not an SFrame vector file");
    }
}
