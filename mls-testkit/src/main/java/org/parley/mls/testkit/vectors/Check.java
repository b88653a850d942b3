package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.parley.mls.crypto.Secret;

import java.util.Arrays;
import java.util.HexFormat;

/** Small helpers for reading vector fields and comparing them with computed values. */
public final class Check {
    private static final HexFormat HEX = HexFormat.of();

    private Check() {
    }

    /** A hex field as bytes; a missing or null field is an error naming the field. */
    public static byte[] hex(JsonNode testCase, String field) {
        JsonNode node = testCase.get(field);
        if (node == null || node.isNull()) {
            throw new AssertionError("vector field '" + field + "' is missing");
        }
        return HEX.parseHex(node.asText());
    }

    /** A hex field that may be null ({@code optional<...>}): null when absent. */
    public static byte[] optionalHex(JsonNode testCase, String field) {
        JsonNode node = testCase.get(field);
        return node == null || node.isNull() ? null : HEX.parseHex(node.asText());
    }

    /** A hex string element of an array field. */
    public static byte[] hexValue(JsonNode node) {
        if (node == null || !node.isTextual()) {
            throw new AssertionError("expected a hex string, found " + node);
        }
        return HEX.parseHex(node.asText());
    }

    public static long number(JsonNode testCase, String field) {
        JsonNode node = testCase.get(field);
        if (node == null || !node.isNumber()) {
            throw new AssertionError("vector field '" + field + "' is missing or not a number");
        }
        return node.asLong();
    }

    public static void equal(String what, byte[] expected, byte[] actual) {
        if (!Arrays.equals(expected, actual)) {
            throw new AssertionError(what + " differs: expected " + toHex(expected) + ", computed " + toHex(actual));
        }
    }

    /** Compares a computed secret with the vector's, printing both: these secrets are public test data. */
    public static void equal(String what, byte[] expected, Secret actual) {
        equal(what, expected, actual.copyBytes());
    }

    public static void equal(String what, long expected, long actual) {
        if (expected != actual) {
            throw new AssertionError(what + " differs: expected " + expected + ", computed " + actual);
        }
    }

    public static void isTrue(String what, boolean condition) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    static String toHex(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        String hex = HEX.formatHex(bytes);
        return hex.length() > 96 ? hex.substring(0, 96) + "…(" + bytes.length + " bytes)" : hex;
    }
}
