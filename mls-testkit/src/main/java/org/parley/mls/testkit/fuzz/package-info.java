/**
 * The MLS fuzzer: seeds from the official vectors, structure-aware mutations, targets for every
 * decoder, validation, unprotection and a live group, and the rules an input must not break
 * (only {@code MlsProtocolException}, bounded allocation and time, no state change on rejection).
 */
package org.parley.mls.testkit.fuzz;
