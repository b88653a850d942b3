/**
 * The group-commit mailbox writer: sends and acknowledgements from every connection are written
 * together, one transaction and one fsync per batch, and each requester is answered only once its
 * write is on disk.
 */
package org.parley.server.delivery;
