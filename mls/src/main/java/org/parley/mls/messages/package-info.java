/**
 * The handshake structures of RFC 9420 Section 12: proposals (12.1) and their types, references
 * to them (12.4), {@code Commit}, {@code GroupInfo} (12.4.3), {@code Welcome} with its group
 * secrets (12.4.3.1), and pre-shared key ids (8.4). Encoding and decoding only; processing is
 * the group layer's.
 */
package org.parley.mls.messages;
