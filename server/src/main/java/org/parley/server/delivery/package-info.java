/**
 * The group-commit mailbox writer: sends and acknowledgements from every connection are written
 * together, one transaction and one fsync per batch, and each requester is answered only once its
 * write is on disk; connected recipients get their copies before that, as soon as the batch is
 * decided. Acknowledgements alone take no fsync of their own. Every copy is first sealed to its recipient device's mailbox key (HPKE, RFC 9180
 * base mode) on the requester's thread.
 */
package org.parley.server.delivery;
