/**
 * Call relay benchmarks: {@code parley bench relay} streams audio-sized frames through Parley's
 * UDP relay (in a JVM of its own, {@link org.parley.bench.relay.RelayProcess}) and through coturn
 * as a TURN client (RFC 8656 over STUN, RFC 8489), after a baseline without relay;
 * {@code parley bench relay-core} times the relay's forwarding code without sockets.
 */
package org.parley.bench.relay;
