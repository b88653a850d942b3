/**
 * Accounts and devices: registering, linking a new device (approved by one that has the account),
 * listing and removing devices, this device's identity (its Ed25519 key signs the server's
 * challenge and is its MLS signature key), and the sealed-sender access key derived from the
 * account's profile key.
 */
package org.parley.client.account;
