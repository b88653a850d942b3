/**
 * The bridge ({@code parley proxy}): a TLS listener with its own certificate that, once a client's
 * handshake is done, dials one fixed upstream (a Parley server) and relays raw bytes both ways. The
 * client's own TLS to the server runs inside, so the bridge holds no key of the server and reads
 * nothing. It keeps client addresses in memory only, for the per-network connection limit, and
 * reports counts, never addresses.
 */
package org.parley.server.bridge;
