/**
 * Attachments: opaque blobs encrypted by the client, stored as files under a random id with their
 * size and upload day in the database, expired after 30 days. The server never holds the key,
 * which travels inside the MLS message. {@link org.parley.server.attachments.AttachmentStore} and
 * its file-and-database adapter {@link org.parley.server.attachments.FileAttachmentStore}.
 */
package org.parley.server.attachments;
