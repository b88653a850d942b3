/**
 * Accounts and devices: registering (which creates the account's Ed25519 identity key), linking a
 * new device (approved by one that has the account, which checks the new device's fingerprint and
 * seals the account key and the new device's certificate to it), listing and removing devices,
 * this device's identity (its Ed25519 key signs the server's challenge and is its MLS signature
 * key; the account key certifies it), and the sealed-sender access key derived from the account's
 * profile key.
 */
package org.parley.client.account;
