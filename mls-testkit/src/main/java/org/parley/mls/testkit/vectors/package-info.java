/**
 * Runners for the official test vectors: the MLS files of mls-implementations'
 * test-vectors.md, recognised by file name, and RFC 9180's HPKE vectors. Each suite checks one
 * case; {@link org.parley.mls.testkit.vectors.VectorRunner} runs and counts every case of a file.
 */
package org.parley.mls.testkit.vectors;
