/**
 * One WebSocket connection after the upgrade: the authentication state machine, the dispatch of
 * ClientFrames to the request handlers in arrival order, the push of mailbox deliveries, the
 * registry of signed-in devices, and call media over the WebSocket as the relay's fallback.
 */
package org.parley.server.session;
