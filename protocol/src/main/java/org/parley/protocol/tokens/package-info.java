/**
 * Anonymous send tokens: RSA blind signatures, RFC 9474 (RSABSSA-SHA384-PSS-Deterministic,
 * section 5), shared by the client that blinds and finalizes them and the server that signs and
 * verifies them.
 */
package org.parley.protocol.tokens;
