package org.parley.mls.crypto;

/** A signature key pair of a cipher suite's signature scheme (RFC 9420 Section 5.1.2). */
public record SignatureKeyPair(SignaturePrivateKey privateKey, SignaturePublicKey publicKey) {
}
