/**
 * The bridge ({@code parley proxy}): a TLS listener with its own certificate that, once a client's
 * handshake is done, dials one fixed upstream (a Parley server) and relays raw bytes both ways. The
 * client's own TLS to the server runs inside, so the bridge holds no key of the server and reads
 * nothing. A browser cannot run TLS inside TLS: it opens a WebSocket through the bridge to the
 * server's tunnel (org.parley.protocol.Tunnel), whose records the bridge cannot read either; the
 * bridge carries it to the server inside TLS of its own. It keeps client addresses in memory only,
 * for the per-network connection limit, and reports counts, never addresses.
 */
package org.parley.server.bridge;
