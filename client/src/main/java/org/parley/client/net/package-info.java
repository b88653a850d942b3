/**
 * The connection to the server: one WebSocket speaking the {@code parley.v1} protocol (requests
 * matched to answers, pushes in arrival order), a signed-in session that reconnects with backoff
 * and signs in again, the server address, and the errors the server answers with.
 */
package org.parley.client.net;
