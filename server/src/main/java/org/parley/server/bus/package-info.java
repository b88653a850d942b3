/**
 * The message bus that tells the node holding a device's connection that mail arrived for it:
 * in-process for one node; NATS or Redis pub/sub are planned for several nodes sharing
 * PostgreSQL. The mailbox store stays the source of truth; a lost notification only delays delivery.
 */
package org.parley.server.bus;
