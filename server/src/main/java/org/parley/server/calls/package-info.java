/**
 * The call relay: forwards SFrame-encrypted media frames between the participants of a call,
 * one-to-one or as an SFU, and never holds a media key.
 *
 * <p>Wiring it into the server (done in {@link org.parley.server.ParleyServer},
 * {@link org.parley.server.requests.CallRequests} and the session's {@code CallEndpoint}, not here):
 * <ul>
 *   <li>one {@link org.parley.server.calls.CallTokens} per node group (a shared secret on
 *       every node) and one {@link org.parley.server.calls.Relay} per node, with the
 *       {@link org.parley.server.calls.RelayPeers} its bus gives it: none for a single node, the
 *       other nodes' relays over NATS for several, so that a call's participants may be on any
 *       nodes;</li>
 *   <li>{@code --media-port} (default {@value org.parley.server.calls.UdpRelayServer#DEFAULT_PORT}):
 *       {@link org.parley.server.calls.UdpRelayServer#start};</li>
 *   <li>an authenticated device asking for a call token over its WebSocket gets
 *       {@code CallTokens.issueFor(callId, participantId(callId, device))}: the sealed token and
 *       its JOIN key, with which the device MACs its UDP JOINs ({@link org.parley.server.calls.JoinDatagram});</li>
 *   <li>WebSocket fallback: one {@link org.parley.server.calls.RelayConnection} per connection,
 *       with a {@link org.parley.server.calls.MediaSink} that writes to it; join it with
 *       {@code joinAsDevice(token, device)} as the device the connection signed in as, feed it
 *       each MEDIA datagram ({@link org.parley.server.calls.RelayDatagram}, the same bytes as
 *       over UDP) and call {@code close()} on disconnect;</li>
 *   <li>{@code /metrics}: the relay is the {@link org.parley.server.metrics.RelayFigures} given
 *       to {@code Metrics.includeRelay}: its counters, plus {@code activeCalls()} and
 *       {@code activeParticipants()} as gauges.</li>
 * </ul>
 */
package org.parley.server.calls;
