/**
 * The network edge, one concern per Netty handler: epoll or NIO, the client's address (PROXY
 * protocol header, or X-Forwarded-For from a trusted proxy), HTTP routing ({@code /healthz}, {@code /readyz},
 * {@code /metrics} behind a token, attachments, the WebSocket upgrade), the admin listener, the
 * protobuf frame codec, connection timeouts, the per-connection frame rate limit and the violation
 * policy. It knows no capability; what it routes to is given to it.
 */
package org.parley.server.transport;
