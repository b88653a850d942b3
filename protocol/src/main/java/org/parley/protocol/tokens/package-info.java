/**
 * Anonymous send tokens: RSA blind signatures (RFC 9474, RSABSSA-SHA384-PSS-Deterministic,
 * section 5) that let the server limit sealed sends per account and day without learning which
 * account spends a token (parley.proto, RequestSendTokens).
 */
package org.parley.protocol.tokens;
