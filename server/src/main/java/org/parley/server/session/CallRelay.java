package org.parley.server.session;

import org.parley.server.calls.CallTokens;
import org.parley.server.calls.Relay;

/** The node's call relay and the tokens that admit to it, for WebSocket endpoints. */
public record CallRelay(Relay relay, CallTokens tokens) {
}
