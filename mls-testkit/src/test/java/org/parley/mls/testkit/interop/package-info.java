/**
 * Interoperability with an independent MLS implementation: mixed groups of Parley and ts-mls
 * members (driven through {@code interop/ts-mls/harness.mjs}) that must agree on every epoch
 * authenticator.
 */
package org.parley.mls.testkit.interop;
