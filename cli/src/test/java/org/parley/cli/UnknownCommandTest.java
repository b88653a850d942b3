package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** An unknown command is a usage error in one line, whatever follows it; known commands are unaffected. */
class UnknownCommandTest {

    record Result(int code, String out, String err) {
    }

    private static Result parley(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** Not --verbose: it switches this JVM's logging to debug for the tests that follow. */
    @ParameterizedTest
    @ValueSource(strings = {"", "--help", "-h", "--version", "--profile /tmp/nowhere", "send bob hi", "help"})
    void anUnknownCommandExits2WithOneLineWhateverFollowsIt(String after) {
        String[] rest = after.isEmpty() ? new String[0] : after.split(" ");
        String[] args = new String[rest.length + 1];
        args[0] = "no-such-command";
        System.arraycopy(rest, 0, args, 1, rest.length);

        Result r = parley(args);

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("parley: unknown command 'no-such-command'; see 'parley --help'" + System.lineSeparator());
    }

    @Test
    void anUnknownSubcommandNamesTheCommandWhoseHelpListsTheRightOnes() {
        Result r = parley("group", "no-such", "--help");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("parley: unknown command 'no-such'; see 'parley group --help'" + System.lineSeparator());
    }

    @Test
    void aTypoIsNamedAsTyped() {
        Result r = parley("sedn", "bob", "hi");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("parley: unknown command 'sedn'; see 'parley --help'" + System.lineSeparator());
    }

    @Test
    void globalOptionsBeforeAnUnknownCommandDoNotHideIt() {
        Result r = parley("--profile", "/tmp/nowhere", "no-such-command", "--help");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("parley: unknown command 'no-such-command'");
    }

    @Test
    void helpOfKnownCommandsStillSucceeds() {
        assertThat(parley("--help").code()).isZero();
        Result send = parley("send", "--help");
        assertThat(send.code()).isZero();
        assertThat(send.out()).contains("Usage: parley send");
        Result groupCreate = parley("group", "create", "--help");
        assertThat(groupCreate.code()).isZero();
        assertThat(groupCreate.out()).contains("Usage: parley group create");
    }

    @Test
    void aBadFlagIsStillReportedWithTheUsage() {
        Result r = parley("--no-such-flag");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--no-such-flag'").contains("Usage: parley");
    }
}
