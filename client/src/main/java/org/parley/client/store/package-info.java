/**
 * The device's local state at rest: one SQLite file per profile, every value sealed with
 * AES-256-GCM under a key from a passphrase (scrypt) or a key file, lookups by keyed HMAC, so the
 * file alone shows nothing but counts and sizes.
 */
package org.parley.client.store;
