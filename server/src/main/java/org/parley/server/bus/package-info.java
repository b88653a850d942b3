/**
 * The message bus that tells the node holding a device's connection that mail arrived for it:
 * in-process for one node ({@link org.parley.server.bus.InProcessBus}), NATS publish/subscribe for
 * several nodes sharing PostgreSQL ({@link org.parley.server.bus.NatsMessageBus}). The mailbox store
 * stays the source of truth; a lost notification only delays delivery until the device's mailbox is
 * read again.
 */
package org.parley.server.bus;
