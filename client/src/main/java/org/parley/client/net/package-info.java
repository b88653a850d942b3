/**
 * The connection to the server: one WebSocket speaking the {@code parley.v1} protocol (requests
 * matched to answers, pushes in arrival order), a signed-in session that reconnects with backoff
 * and signs in again, the server address, and the errors the server answers with. Every
 * connection is opened by the {@link org.parley.client.net.Dialer} along a
 * {@link org.parley.client.net.Route} (straight, SOCKS5 or HTTP CONNECT) to an
 * {@link org.parley.client.net.Endpoint} (the server, straight or through a pinned bridge).
 */
package org.parley.client.net;
