/**
 * Automatic TLS ({@code parley server --domain}): an ACME (RFC 8555) client through acme4j that
 * obtains the listener's certificate, answers the CA's HTTP-01 (plain-HTTP listener) and TLS-ALPN-01
 * (RFC 8737, on the TLS listener) challenges itself, keeps the account key, certificate and key in
 * the data folder's {@code acme/}, and renews before expiry without a restart.
 */
package org.parley.server.acme;
