package org.parley.bench;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code parley bench}: an unknown benchmark is a usage error in one line, whatever follows it. */
class BenchMainTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "--help", "--sizes 2"})
    void anUnknownBenchmarkExits2WithOneLine(String after) {
        String[] rest = after.isEmpty() ? new String[0] : after.split(" ");
        String[] args = new String[rest.length + 1];
        args[0] = "no-such";
        System.arraycopy(rest, 0, args, 1, rest.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = BenchMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(code).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).isEqualTo("parley bench: unknown command 'no-such'; see 'parley bench --help'"
                + System.lineSeparator());
    }
}
