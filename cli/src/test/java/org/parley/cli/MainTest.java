package org.parley.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    record Result(int code, String out, String err) {
    }

    static Result parley(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        Result r = parley("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: parley").contains("--version").contains("--verbose");
    }

    @Test
    void versionNamesTheRelease() {
        Result r = parley("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("parley ").contains("Java ");
    }

    @Test
    void unknownFlagIsAUsageError() {
        Result r = parley("--no-such-flag");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--no-such-flag'").contains("Usage: parley");
    }
}
