package org.parley.mls.testkit.fuzz;

/** A valid input for a target, taken from the official vectors, that mutations start from. */
public record FuzzSeed(FuzzTarget target, byte[] bytes) {
    public FuzzSeed {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return "FuzzSeed[" + target.name() + ", " + bytes.length + " bytes]";
    }
}
