/**
 * Cryptographic objects (RFC 9420 Section 5): cipher suites with their labeled operations
 * (5.1, 5.2), HPKE (RFC 9180) over the suites' KEM, KDF and AEAD, key types that never
 * print their secrets, and {@link org.parley.mls.crypto.Secret} for other secret bytes (epoch,
 * path, ratchet and exported secrets), which the KDF and AEAD read in place. Primitives come
 * from the JDK and BouncyCastle.
 * {@link org.parley.mls.crypto.HpkeKnownAnswers} exposes HPKE intermediates for conformance checks.
 */
package org.parley.mls.crypto;
