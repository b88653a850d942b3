package org.parley.mls.testkit.vectors;

import java.util.List;

/** The outcome of running every case of one vector file. */
public record VectorReport(String file, int passed, int failed, List<String> failures) {
    public VectorReport {
        failures = List.copyOf(failures);
    }

    public boolean ok() {
        return failed == 0 && passed > 0;
    }

    /** The line the vector command and the tests print: {@code FILE: N passed, M failed}. */
    public String summary() {
        return file + ": " + passed + " passed, " + failed + " failed";
    }
}
