/**
 * Files sent in conversations: encrypted on the client with a fresh AES-256-GCM key per file,
 * uploaded as an opaque blob under a random id, and checked (digest, tag, size) on download; the
 * key and digest travel inside the MLS application message. Transfers take the session's way to
 * the server (its proxy and bridge), one HTTP exchange per connection.
 */
package org.parley.client.attachments;
