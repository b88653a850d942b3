/**
 * The key schedule (RFC 9420 Section 8): {@code GroupContext} (8.1), epoch secrets and the
 * exporter (8, 8.5), PSK secrets (8.4), the secret tree and its ratchets (9), and the transcript
 * hashes (8.2).
 */
package org.parley.mls.schedule;
