/**
 * The plain-HTTP side of attachments: streamed uploads authorised by single-use tickets issued
 * over the WebSocket, and downloads by id. It sits on the transport's
 * {@link org.parley.server.transport.AttachmentRoutes} and stores through the attachments capability.
 */
package org.parley.server.http;
