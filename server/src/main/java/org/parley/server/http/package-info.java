/**
 * The plain-HTTP side of attachments: streamed uploads authorised by single-use tickets issued
 * over the WebSocket (within the account's open tickets, daily quota and the upload timeout, and
 * written chunk by chunk without a thread waiting for a slow client), and downloads by id. It sits on the transport's
 * {@link org.parley.server.transport.AttachmentRoutes} and stores through the attachments capability.
 */
package org.parley.server.http;
