package org.parley.server.testing;

import java.util.stream.Stream;

/** The databases every store contract test runs against. */
public enum Backend {
    SQLITE,
    POSTGRESQL;

    /** Source for {@code @MethodSource}: both backends (PostgreSQL tests skip themselves without a server). */
    public static Stream<Backend> all() {
        return Stream.of(values());
    }
}
