package org.parley.mls.testkit.vectors;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One kind of official test vector (mls-implementations' test-vectors.md, or RFC 9180's HPKE
 * vectors). A suite verifies a single case; {@link VectorRunner} runs every case of a file.
 */
public interface VectorSuite {
    /** The upstream file name this suite recognises, for example {@code tree-math.json}. */
    String fileName();

    /**
     * Verifies one case of the file. Returns normally when it passes; throws (an
     * {@link AssertionError} from {@link Check}, or a protocol exception) with a message naming
     * the field that differed when it fails.
     */
    void verify(JsonNode testCase) throws Exception;
}
