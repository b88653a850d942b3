/**
 * The call relay's door for browsers: WebTransport over HTTP/3 (Netty's QUIC and HTTP/3 codecs),
 * whose HTTP datagrams carry the same relay datagrams as the UDP port, MACed JOIN included, under
 * a self-signed certificate the server renews itself and clients pin by the hash in their call
 * token. Media a browser cannot send this way stays on the WebSocket.
 */
package org.parley.server.webtransport;
