/**
 * The network edge, one concern per Netty handler: epoll or NIO, HTTP routing
 * ({@code /healthz}, {@code /metrics}, attachments, the WebSocket upgrade), the protobuf frame codec,
 * connection timeouts, the per-connection frame rate limit and the violation policy. It knows no
 * capability; what it routes to is given to it.
 */
package org.parley.server.transport;
