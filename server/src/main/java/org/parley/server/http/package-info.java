/**
 * The plain-HTTP side of attachments: streamed uploads authorised by single-use tickets issued
 * over the WebSocket (within the account's open tickets, daily quota and the upload timeout, and
 * written chunk by chunk without a thread waiting for a slow client), and downloads by id. It sits on the transport's
 * {@link org.parley.server.transport.AttachmentRoutes} and stores through the attachments capability.
 * Also the readiness check behind {@code /readyz} ({@link org.parley.server.http.Readiness}): the
 * database within a short timeout, and whether the node is shutting down.
 */
package org.parley.server.http;
