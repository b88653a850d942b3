/**
 * MLS, the Messaging Layer Security protocol (RFC 9420), laid out by the RFC's own parts:
 * {@code codec} (the TLS presentation language, Section 2.1), {@code crypto} (cipher suites and
 * HPKE, Section 5), {@code credentials} (5.3), {@code tree} (the ratchet tree and TreeKEM, 4 and 7),
 * {@code schedule} (key schedule, secret tree, transcript hashes, 8 and 9), {@code framing}
 * (messages on the wire, 6), {@code messages} (proposals, commits, Welcome, GroupInfo, 12),
 * {@code keypackages} (10), {@code extensions} (7.2, 11, 13) and {@code group} (the group API).
 * Here: {@link org.parley.mls.ProtocolVersion}. No I/O, threads or clock; randomness is injected.
 */
package org.parley.mls;
