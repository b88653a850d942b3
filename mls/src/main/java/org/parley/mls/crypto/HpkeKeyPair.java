package org.parley.mls.crypto;

/** An HPKE key pair (RFC 9180 Section 4: GenerateKeyPair, DeriveKeyPair). */
public record HpkeKeyPair(HpkePrivateKey privateKey, HpkePublicKey publicKey) {
}
