/**
 * Anonymous send tokens (RFC 9474 blind RSA signatures, parley.proto RequestSendTokens): one RSA key
 * pair per UTC day, stored so that every node and a restart sign and verify with the same key; a
 * per-account daily issuance count that never records which tokens were issued; and the spent-token
 * record that lets each token pay for exactly one sealed send, written in the same transaction as
 * that send's envelopes. {@link org.parley.server.tokens.TokenAuthority} is the capability,
 * {@link org.parley.server.tokens.JdbcTokenStore} its SQL adapter.
 */
package org.parley.server.tokens;
