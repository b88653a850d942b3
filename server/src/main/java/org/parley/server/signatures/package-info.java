/**
 * Signature checks the server makes on its own behalf: a device's proof of its identity key at
 * sign-in, and a commit's proof that it comes from a member of the epoch it ends. Verification
 * only (RFC 8032 Ed25519, BouncyCastle): the server holds no private key of any user.
 */
package org.parley.server.signatures;
