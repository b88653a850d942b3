/**
 * Anonymous send tokens (RFC 9474 blind RSA signatures): fetched on the signed-in connection,
 * kept in the profile, spent on the anonymous connection, one per sealed send or sealed commit.
 */
package org.parley.client.tokens;
