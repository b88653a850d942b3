package org.parley.bench;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One {@code parley bench ARGS} in this JVM: its exit code and what it printed. */
public record BenchRun(int code, String out, String err) {

    public static BenchRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new BenchRun(code, out.toString(), err.toString());
    }
}
