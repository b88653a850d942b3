/**
 * Test helpers shared with other modules' tests (through this module's test-jar):
 * {@link org.parley.mls.testkit.Vectors} locates the official vectors, skipping with the reason
 * when they are absent and failing under {@code PARLEY_REQUIRE_VECTORS=1}.
 */
package org.parley.mls.testkit;
